import ChorosCore
import ChorosProto
import ChorosStore
import Foundation

/// Store figures (issue 3): commits/s to one ref over trees of growing size, blob reads/s,
/// and prepare + land latency over 1,000 canon entries. In process, fsync on.
struct StoreBenchmark {
    let directory: String
    let signing = BenchSigning()

    func measure() async throws -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        for size in [100, 10_000, 100_000] {
            let store = try self.makeStore("commits-\(size)")
            try await self.signing.enroll(store)
            let ref = BenchSigning.perspective
            var parent = try await self.seed(store, ref: ref, entries: size)
            let count = 200
            let start = ContinuousClock.now
            for index in 0..<count {
                parent = try await self.signing.commit(
                    store,
                    ref: ref,
                    path: "new/\(index).md",
                    content: "entry \(index)",
                    parent: parent
                )
            }
            results.append(
                BenchmarkResult(name: "commits/s, tree of \(size)", calls: count, elapsed: ContinuousClock.now - start)
            )
            if size == 10_000 { results.append(try await self.measureVerification(store, parent: parent)) }
            if size == 10_000 {
                let reads = 5_000
                let readStart = ContinuousClock.now
                for index in 0..<reads {
                    _ = try await store.readForBenchmark(rev: ref, path: Self.path(index * 7919 % size))
                }
                results.append(
                    BenchmarkResult(
                        name: "blob reads/s, tree of 10000",
                        calls: reads,
                        elapsed: ContinuousClock.now - readStart
                    )
                )
            }
            await store.shutdown()
        }
        results.append(try await self.measureLanding())
        return results
    }

    private func makeStore(_ name: String) throws -> GitStore {
        var configuration = try ChorosConfiguration(
            source: ConfigurationSource(),
            baseDirectory: self.directory + "/" + name
        )
        configuration.gitDirectory = self.directory + "/" + name + "/git"
        return try GitStore(configuration: try StoreConfiguration(configuration))
    }

    private static func path(_ index: Int) -> String { "d\(index / 1000)/e\(index % 1000).md" }

    /// One commit holding `entries` files in directories of 1,000.
    private func seed(_ store: GitStore, ref: String, entries: Int) async throws -> String {
        var request = Choros_V1_CommitRequest()
        request.ref = ref
        request.changes = (0..<entries).map { index in
            var change = Choros_V1_FileChange()
            change.path = Self.path(index)
            change.content = Data("entry \(index)\n".utf8)
            return change
        }
        return try await store.commitForBenchmark(try self.signing.signed(request, for: store))
    }

    /// The store's own verification of a commit's signed op, alone (the op signed beforehand).
    private func measureVerification(_ store: GitStore, parent: String) async throws -> BenchmarkResult {
        var request = Choros_V1_CommitRequest()
        request.ref = BenchSigning.perspective
        request.expectedParent = parent
        request.changes = [BenchSigning.change("v.md", Data("v".utf8))]
        let signed = try self.signing.signed(request, for: store)
        let count = 2_000
        let start = ContinuousClock.now
        for _ in 0..<count { try await store.authorizeForBenchmark(signed) }
        return BenchmarkResult(
            name: "store verification of a commit's op/s",
            calls: count,
            elapsed: ContinuousClock.now - start
        )
    }

    /// Average of 20 prepare + land rounds, each a one-entry proposal over 1,000 canon entries.
    private func measureLanding() async throws -> BenchmarkResult {
        let store = try self.makeStore("land")
        try await self.signing.enroll(store)
        let practitioner = self.signing.practitioner
        var canon = try await self.seed(store, ref: "refs/heads/bench-seed", entries: 1_000)
        canon = try await store.bootstrapForBenchmark(from: canon)
        let rounds = 20
        var total = Duration.zero
        for round in 0..<rounds {
            let proposal = "refs/cap/proposals/p\(round)"
            try await store.branchForBenchmark(proposal, at: canon)
            _ = try await self.signing.commit(
                store,
                ref: proposal,
                path: "proposed/\(round).md",
                content: "\(round)",
                parent: canon
            )
            let start = ContinuousClock.now
            let candidate = try await store.prepareForBenchmark(proposal)
            let approval = try SignedOperation.make(
                type: .canonLand,
                body: ["proposal_id": .string("p\(round)"), "candidate_oid": .string(candidate), "channel": "console"],
                timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                key: practitioner,
                deployment: store.deploymentForBenchmark
            )
            canon = try await store.landForBenchmark(candidate, approval: approval.proto)
            total += ContinuousClock.now - start
        }
        await store.shutdown()
        return BenchmarkResult(name: "prepare+land/s, canon of 1000", calls: rounds, elapsed: total)
    }
}
