import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf

/// Land figures (issue 8): console land latency (preview + land through admin.sock, all seven
/// steps) over canons of 100, 10,000 and 100,000 entries. Each land adds two paths.
struct LandBenchmark {
    let directory: String
    static let lands = 10

    func measure() async throws -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        for size in ProcessInfo.processInfo.environment["LAND_SIZES"].map({
            $0.split(separator: ",").compactMap { Int($0) }
        }) ?? [100, 10_000, 100_000] {
            let deployment = try await Deployment.start(
                in: self.directory + "/land-\(size)",
                daemons: ["store", "audit", "index", "airlock"]
            )
            do {
                results.append(try await self.lands(deployment, canonSize: size))
                await deployment.stop()
            } catch {
                await deployment.stop()
                throw error
            }
        }
        return results
    }

    private func lands(_ deployment: Deployment, canonSize: Int) async throws -> BenchmarkResult {
        let store = deployment.client("store")
        let files = (0..<canonSize).map { index in
            Choros_V1_FileChange.with {
                $0.path = Deployment.seedPath(index)
                $0.content = Data("---\ntype: kno\n---\n\nCanon entry \(index).\n".utf8)
            }
        }
        _ = try await store.call(
            StoreRPC.bootstrap,
            .with {
                $0.files = files
                $0.author = "practitioner"
            },
            options: CallOptions(timeout: .seconds(600))
        )
        _ = try await deployment.client("index").call(
            IndexRPC.reindex,
            .init(),
            options: CallOptions(timeout: .seconds(600))
        )
        let practitioner = try await deployment.enrollPractitioner()
        try await deployment.enrollSystem()
        let admin = WireClient(socketPath: deployment.directory + "/data/run/admin.sock")
        var latencies: [Duration] = []
        var previews: [Duration] = []
        let start = ContinuousClock.now
        for land in 1...Self.lands {
            let seq = String(land, radix: 16)
            let ref = "refs/cap/proposals/p\(land)"
            let canon = try await store.call(StoreRPC.resolve, .with { $0.ref = "refs/heads/main" }).oid
            _ = try await store.call(
                StoreRPC.createBranch,
                .with {
                    $0.ref = ref
                    $0.oid = canon
                }
            )
            var request = Choros_V1_CommitRequest.with {
                $0.ref = ref
                $0.changes = [
                    .with {
                        $0.path = "notes/land\(land).md"
                        $0.content = Data("Land \(land).\n".utf8)
                    },
                    .with {
                        $0.path = "meta/log/\(seq).md"
                        $0.content = Data("---\ntype: log\nseq: \(seq)\n---\n\nLand \(land).\n".utf8)
                    },
                ]
                $0.author = "bench"
                $0.expectedParent = canon
            }
            try await deployment.signer.sign(&request)
            _ = try await store.call(StoreRPC.commit, request)
            let began = ContinuousClock.now
            let preview = try await admin.call(AdminRPC.preview, .with { $0.proposalID = "p\(land)" })
            previews.append(ContinuousClock.now - began)
            let approval = try SignedOperation.make(
                type: .canonLand,
                body: [
                    "proposal_id": .string("p\(land)"), "candidate_oid": .string(preview.candidateOid),
                    "channel": "console",
                ],
                timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                key: practitioner,
                deployment: deployment.signer.deployment
            )
            _ = try await admin.call(
                AdminRPC.land,
                .with { $0.approval = approval.proto },
                options: CallOptions(timeout: .seconds(120))
            )
            latencies.append(ContinuousClock.now - began)
        }
        await admin.close()
        let sorted = previews.sorted()
        print("canon \(canonSize): preview p50 \(sorted[sorted.count / 2])")
        return BenchmarkResult(
            name: "console land (preview+land), canon \(canonSize)",
            calls: Self.lands,
            elapsed: ContinuousClock.now - start
        ).with(latencies: latencies)
    }
}
