import ChorosCore
import ChorosProto
import ChorosStore
import Foundation

/// The in-process store benchmarks' writers. The store verifies every write itself (TRUST.md),
/// so the benchmark enrolls a practitioner and a `bench` instance as a deployment would, and
/// signs each commit: the figures include that verification, as a real write does.
struct BenchSigning {
    let practitioner = SigningKey(seed: [UInt8](repeating: 5, count: 32))
    let bench = SigningKey(seed: [UInt8](repeating: 6, count: 32))
    static let perspective = "refs/cap/perspectives/bench"

    /// The practitioner into an empty registry (self-enrolled), then `bench`.
    func enroll(_ store: GitStore) async throws {
        var parent = ""
        for (name, key) in [("practitioner", self.practitioner), ("bench", self.bench)] {
            let op = try SignedOperation.make(
                type: .instanceEnroll,
                body: ["name": .string(name), "author": .string(key.author.rawValue)],
                timestamp: Self.now,
                key: self.practitioner,
                deployment: store.deploymentForBenchmark
            )
            let record = InstanceRecord(name: try InstanceName(name), author: key.author, enrolledAt: op.timestamp)
            var request = Choros_V1_CommitRequest()
            request.ref = "refs/cap/registry"
            request.expectedParent = parent
            request.changes = [Self.change(record.path, Data(record.fileContent))]
            request.op = op.proto
            parent = try await store.commitForBenchmark(request)
        }
    }

    /// `request` with the op its ref needs: `bench`'s on its perspective and proposals, the
    /// practitioner's `system.commit` elsewhere.
    func signed(_ request: Choros_V1_CommitRequest, for store: GitStore) throws -> Choros_V1_CommitRequest {
        var request = request
        let deployment = store.deploymentForBenchmark
        let key: JSONValue = .string(UUID().uuidString)
        if request.ref.hasPrefix("refs/cap/proposals/") {
            let id = String(request.ref.dropFirst("refs/cap/proposals/".count))
            request.op = try SignedOperation.make(
                type: .proposalAdd,
                body: ["key": key, "proposal_id": .string(id), "domain": "notes", "slug": "b", "body": "b"],
                timestamp: Self.now,
                key: self.bench,
                deployment: deployment
            ).proto
        } else if request.ref.hasPrefix("refs/cap/perspectives/") {
            request.op = try SignedOperation.make(
                type: .reconcileReport,
                body: ["report": "bench", "key": key],
                timestamp: Self.now,
                key: self.bench,
                deployment: deployment
            ).proto
        } else {
            request.op = try SystemCommit.sign(
                ref: request.ref,
                changes: request.changes,
                key: self.practitioner,
                deployment: deployment
            )
        }
        return request
    }

    /// One signed commit of one file.
    func commit(_ store: GitStore, ref: String, path: String, content: String, parent: String) async throws -> String {
        var request = Choros_V1_CommitRequest()
        request.ref = ref
        request.expectedParent = parent
        request.changes = [Self.change(path, Data(content.utf8))]
        return try await store.commitForBenchmark(try self.signed(request, for: store))
    }

    static func change(_ path: String, _ content: Data) -> Choros_V1_FileChange {
        var change = Choros_V1_FileChange()
        change.path = path
        change.content = content
        return change
    }

    static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
