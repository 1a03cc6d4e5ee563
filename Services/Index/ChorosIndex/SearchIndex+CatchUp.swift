internal import ChorosClients
internal import ChorosProto
internal import ChorosWire
internal import NIOConcurrencyHelpers
internal import SwiftProtobuf

extension SearchIndex {
    /// The refs the index holds rows of: canon and every perspective.
    func indexedRefs() async throws -> [String] {
        [self.canonRef] + (try await self.store.refs(under: Self.perspectivePrefix)).map(\.name)
    }

    /// Brings `ref`'s rows to the store's tip: the paths changed since the ref's mark, or,
    /// when it has none (or the mark is not in git), the paths whose blob id differs from the
    /// row's and the rows git no longer has. Only that fallback lists the whole ref, so a catch-up
    /// on a write path costs what changed. What it reads is written only over the mark it
    /// started from; a writer that moved the mark meanwhile sends it round again, a bounded
    /// number of times: a ref that busy is caught up by its writers' own upserts.
    @discardableResult
    func catchUp(_ ref: String) async throws -> (upserted: Int, deleted: Int) {
        for _ in 0..<Self.catchUpRounds {
            let mark = try await self.database.mark(of: ref)
            guard let tip = try await self.store.tip(of: ref), tip != mark else { return (0, 0) }
            let paths = try await self.changed(ref, from: mark, to: tip)
            let targets = paths.map { path in
                Choros_V1_IndexTarget.with {
                    $0.ref = ref
                    $0.path = path
                }
            }
            let (rows, missing, _) = try await self.rows(for: targets)
            let move = IndexDatabase.MarkMove(ref: ref, accepted: [mark], to: tip)
            if try await self.write(rows, deleting: missing, move: move) { return (rows.count, missing.count) }
        }
        return (0, 0)
    }

    static let catchUpRounds = 8

    /// `catchUp(ref)` for a writer's upsert that found a gap, run apart from the call: a
    /// caller that gives up (a gap wider than its deadline) leaves it running, so the gap closes
    /// once instead of costing every later write its whole deadline. Upserts that find the
    /// same gap meanwhile wait for the same catch-up.
    func sharedCatchUp(_ ref: String) async throws -> (upserted: Int, deleted: Int) {
        let task = self.catchUps.withLockedValue { running in
            if let task = running[ref] { return task }
            let task = Task {
                defer { _ = self.catchUps.withLockedValue { $0.removeValue(forKey: ref) } }
                return try await self.catchUp(ref)
            }
            running[ref] = task
            return task
        }
        return try await task.value
    }

    private func changed(_ ref: String, from mark: String?, to tip: String) async throws -> [String] {
        if let mark,
            let changed = try? await self.store.call(
                StoreRPC.changedPaths,
                .with {
                    $0.from = mark
                    $0.to = tip
                }
            )
        {
            return changed.added + changed.modified + changed.removed
        }
        guard let listing = try await self.store.files(tip) else { return [] }
        return try await self.differing(ref, from: listing)
    }

    /// The paths whose row is missing, stale (another blob id) or of a file git no longer has.
    private func differing(_ ref: String, from listing: Choros_V1_ListPathsResponse) async throws -> [String] {
        let listed = Dictionary(zip(listing.paths, listing.blobOids), uniquingKeysWith: { first, _ in first })
        let rows = try await self.database.pointers(ref: ref, under: "")
        let known = Dictionary(rows.map { ($0.path, $0.blobOid) }, uniquingKeysWith: { first, _ in first })
        return listing.paths.filter { known[$0] != listed[$0] } + known.keys.filter { listed[$0] == nil }.sorted()
    }

    /// Catches up every indexed ref: at start, what the index missed while it was down (or all
    /// of it, for a new database).
    func catchUpAll() async throws -> Int {
        var caughtUp = 0
        for ref in try await self.indexedRefs() {
            let (upserted, deleted) = try await self.catchUp(ref)
            caughtUp += upserted + deleted
        }
        return caughtUp
    }
}
