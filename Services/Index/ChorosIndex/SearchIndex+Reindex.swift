internal import ChorosClients
internal import ChorosProto
internal import ChorosWire
internal import SwiftProtobuf
internal import Synchronization

/// Progress of a running reindex, read by Stats.
final class ReindexProgress: Sendable {
    private let state = Mutex<(isRunning: Bool, done: Int, total: Int)>((false, 0, 0))

    var snapshot: (isRunning: Bool, done: Int, total: Int) { self.state.withLock { $0 } }

    func begin(total: Int) { self.state.withLock { $0 = (true, 0, total) } }
    func advance(by count: Int) { self.state.withLock { $0.done += count } }
    func end() { self.state.withLock { $0.isRunning = false } }
}

extension SearchIndex {
    /// Clears the index and rebuilds it from canon and every perspective, in batches, so a
    /// deleted `index.sqlite` loses nothing (the index is a cache of git).
    func reindex() async throws -> (entries: Int, refs: Int, claimOps: Int) {
        var refs = [self.canonRef]
        refs += try await self.store.call(StoreRPC.listRefs, .with { $0.prefix = Self.perspectivePrefix }).refs.map(
            \.name
        )
        var targets: [Choros_V1_IndexTarget] = []
        for ref in refs {
            let paths: [String]
            do {
                paths = try await self.store.call(
                    StoreRPC.listPaths,
                    .with {
                        $0.rev = ref
                        $0.recursive = true
                    }
                ).paths
            } catch let error as RPCError where error.code == .notFound {
                continue
            }
            targets += paths.map { path in
                .with {
                    $0.ref = ref
                    $0.path = path
                }
            }
        }
        self.progress.begin(total: targets.count)
        defer { self.progress.end() }
        _ = try await self.clear()
        var indexed = 0
        for start in stride(from: 0, to: targets.count, by: 200) {
            let batch = Array(targets[start..<min(start + 200, targets.count)])
            indexed += try await self.upsert(batch).upserted
            self.progress.advance(by: batch.count)
        }
        return (indexed, refs.count, try await self.reindexClaims())
    }
}
