internal import ChorosClients
internal import ChorosProto
internal import ChorosWire
internal import NIOConcurrencyHelpers
internal import SwiftProtobuf

/// Progress of a running reindex, read by Stats.
final class ReindexProgress: Sendable {
    private let state = NIOLockedValueBox<(isRunning: Bool, done: Int, total: Int)>((false, 0, 0))

    var snapshot: (isRunning: Bool, done: Int, total: Int) { self.state.withLockedValue { $0 } }

    func begin(total: Int) { self.state.withLockedValue { $0 = (true, 0, total) } }
    func advance(by count: Int) { self.state.withLockedValue { $0.done += count } }
    func end() { self.state.withLockedValue { $0.isRunning = false } }
}

extension SearchIndex {
    /// Clears the index and rebuilds it from canon and every perspective, in batches, so a
    /// deleted `index.sqlite` loses nothing (the index is a cache of git). Each ref's mark is
    /// set with its last batch: a reindex cut short leaves refs without one, which the next
    /// start catches up whole.
    func reindex() async throws -> (entries: Int, refs: Int, claimOps: Int) {
        var listings: [(ref: String, listing: Choros_V1_ListPathsResponse)] = []
        for ref in try await self.indexedRefs() {
            if let listing = try await self.store.files(ref) { listings.append((ref, listing)) }
        }
        self.progress.begin(total: listings.reduce(0) { $0 + $1.listing.paths.count })
        defer { self.progress.end() }
        _ = try await self.clear()
        var indexed = 0
        for (ref, listing) in listings {
            let batches = stride(from: 0, to: max(listing.paths.count, 1), by: 200).map {
                Array(listing.paths[$0..<min($0 + 200, listing.paths.count)])
            }
            for (number, batch) in batches.enumerated() {
                let targets = batch.map { path in
                    Choros_V1_IndexTarget.with {
                        $0.ref = ref
                        $0.path = path
                    }
                }
                let (rows, missing, _) = try await self.rows(for: targets)
                let last = number == batches.count - 1
                let move = last ? IndexDatabase.MarkMove(ref: ref, accepted: [nil], to: listing.commitOid) : nil
                // A writer's gap may have caught the ref up whole meanwhile: then it is done.
                if try await self.write(rows, deleting: missing, move: move) { indexed += rows.count }
                self.progress.advance(by: batch.count)
            }
        }
        return (indexed, listings.count, try await self.reindexClaims())
    }
}
