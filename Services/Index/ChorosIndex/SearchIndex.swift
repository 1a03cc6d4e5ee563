package import ChorosClients
package import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import GRDB
internal import NIOConcurrencyHelpers
internal import SwiftProtobuf

/// The search projection: rows re-read from the store on each upsert, searched with FTS5.
package final class SearchIndex: Sendable {
    let database: IndexDatabase
    let store: StoreClient
    let audit: AuditClient
    let canonRef: String
    let embedder: (any Embedder)?
    let vectors: VectorStore
    let progress = ReindexProgress()
    /// The catch-up running for each ref, shared by every upsert that finds the same gap.
    let catchUps = NIOLockedValueBox<[String: Task<(upserted: Int, deleted: Int), any Error>]>([:])
    private let lock: ProcessLock

    /// Takes `<index_db>.lock` (one index daemon per database) and opens the database;
    /// `loadVectors()` then fills the in-memory vector buffer.
    package init(
        configuration: ChorosConfiguration,
        store: StoreClient,
        audit: AuditClient,
        embedder: (any Embedder)? = nil
    ) throws {
        try FileManager.default.createDirectory(
            atPath: (configuration.indexDatabase as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        self.lock = try ProcessLock(path: configuration.indexDatabase + ".lock")
        self.database = try IndexDatabase(path: configuration.indexDatabase)
        self.store = store
        self.audit = audit
        self.canonRef = configuration.canonRef
        self.embedder = embedder
        self.vectors = VectorStore(dimension: embedder?.dimension ?? 0)
    }

    /// Loads the stored vectors of the current model into memory.
    package func loadVectors() async throws {
        guard let embedder = self.embedder else { return }
        for (id, vector) in try await self.database.loadVectors(model: embedder.modelID, dimension: embedder.dimension)
        {
            self.vectors.set(id, vector)
        }
    }

    /// Embeds rows that lack a vector for the current model, a batch at a time. An embedder
    /// failure leaves them without one (search falls back to BM25) for a later call to fill.
    func fillMissingVectors(limit: Int = 256) async {
        guard let embedder = self.embedder,
            let rows = try? await self.database.rowsWithoutVectors(model: embedder.modelID, limit: limit),
            !rows.isEmpty,
            let vectors = try? await embedder.embedDocuments(rows.map { $0.title + "\n" + $0.body }),
            vectors.count == rows.count
        else { return }
        let pairs = zip(rows, vectors).compactMap { row, vector in row.id.map { (id: $0, vector: vector) } }
        guard (try? await self.database.storeVectors(pairs, model: embedder.modelID)) != nil else { return }
        for pair in pairs { self.vectors.set(pair.id, pair.vector) }
    }

    static let perspectivePrefix = "refs/cap/perspectives/"

    /// Who a row is attributed to: the perspective's owner, or for canon the author of the
    /// path's first commit (kept from the row once known; asked of the path's history only for
    /// a path new to canon that no writer named). Nil for refs that are not indexed.
    private func author(of target: Choros_V1_IndexTarget) async throws -> String? {
        let ref = target.ref
        if ref.hasPrefix(Self.perspectivePrefix) { return String(ref.dropFirst(Self.perspectivePrefix.count)) }
        guard ref == self.canonRef else { return nil }
        if let known = try await self.database.author(ref: ref, path: target.path) { return known }
        if !target.author.isEmpty { return target.author }
        let history = try await self.store.history(ref, path: target.path, limit: 10_000)
        return history.last?.author ?? ""
    }

    /// Each target's content, carried by the writer (checked against its blob id) or re-read
    /// from the store: a present entry is upserted, a missing one deleted; proposals and other
    /// refs are skipped (never indexed). With `advance`, the rows are written only over the
    /// ref's mark they follow; a gap catches the ref up from the store instead.
    func upsert(
        _ targets: [Choros_V1_IndexTarget],
        advance: Choros_V1_RefAdvance? = nil
    ) async throws -> (upserted: Int, deleted: Int, skipped: Int, caughtUp: Bool) {
        let (rows, missing, skipped) = try await self.rows(for: targets)
        let move = advance.map { advance in
            IndexDatabase.MarkMove(
                ref: advance.ref,
                accepted: [advance.fromOid.isEmpty ? nil : advance.fromOid, advance.toOid],
                to: advance.toOid
            )
        }
        guard try await self.write(rows, deleting: missing, move: move) else {
            let caughtUp = try await self.sharedCatchUp(advance?.ref ?? "")
            return (caughtUp.upserted, caughtUp.deleted, skipped, true)
        }
        return (rows.count, missing.count, skipped, false)
    }

    /// Writes rows and deletions (moving a mark when given), then keeps the vectors in step.
    func write(
        _ rows: [IndexedEntry],
        deleting missing: [(ref: String, path: String)],
        move: IndexDatabase.MarkMove?
    ) async throws -> Bool {
        let result = try await self.database.apply(rows, deleting: missing, move: move)
        guard result.applied else { return false }
        for id in result.deleted { self.vectors.remove(id) }
        // A write also fills vectors an outage left missing; a catch-up that found nothing
        // new leaves a model change to reindex.
        if !rows.isEmpty { await self.fillMissingVectors(limit: max(rows.count, 64)) }
        return true
    }

    func rows(
        for targets: [Choros_V1_IndexTarget]
    ) async throws -> (rows: [IndexedEntry], missing: [(ref: String, path: String)], skipped: Int) {
        var rows: [IndexedEntry] = []
        var missing: [(ref: String, path: String)] = []
        var skipped = 0
        for target in targets {
            guard let author = try await self.author(of: target) else {
                skipped += 1
                continue
            }
            guard let (content, blobOID) = try await self.content(of: target) else {
                missing.append((target.ref, target.path))
                continue
            }
            rows.append(
                IndexedEntry(
                    ref: target.ref,
                    path: target.path,
                    isCanon: target.ref == self.canonRef,
                    author: author,
                    contentOID: blobOID,
                    text: String(decoding: content, as: UTF8.self)
                )
            )
        }
        return (rows, missing, skipped)
    }

    private func content(of target: Choros_V1_IndexTarget) async throws -> (Data, String)? {
        guard target.hasContent else {
            return try await self.store.blob(target.ref, target.path).map { ($0.content, $0.blobOid) }
        }
        guard GitBlobID.of(target.content) == target.blobOid else {
            throw RPCError(
                code: .invalidArgument,
                message:
                    "the content carried for \(target.path) on \(target.ref) does not hash to blob_oid \(target.blobOid.prefix(12))"
            )
        }
        return (target.content, target.blobOid)
    }

    func delete(_ targets: [Choros_V1_IndexTarget]) async throws -> Int {
        let deleted = try await self.database.delete(targets.map { ($0.ref, $0.path) })
        for id in deleted { self.vectors.remove(id) }
        return deleted.count
    }

    func stats() async throws -> Choros_V1_StatsResponse {
        var stats = try await self.database.pool.read { db in
            var response = Choros_V1_StatsResponse()
            for row in try Row.fetchAll(db, sql: "SELECT type, COUNT(*) AS n FROM entries GROUP BY type") {
                response.byType[row["type"]] = UInt64(row["n"] as Int64)
            }
            response.entries = response.byType.values.reduce(0, +)
            return response
        }
        let progress = self.progress.snapshot
        stats.reindexing = progress.isRunning
        stats.reindexDone = UInt64(progress.done)
        stats.reindexTotal = UInt64(progress.total)
        return stats
    }

    func clear() async throws -> Int {
        self.vectors.removeAll()
        return try await self.database.pool.write { db in
            try db.execute(sql: "DELETE FROM entries")
            let cleared = db.changesCount
            try db.execute(sql: "DELETE FROM ref_marks")
            return cleared
        }
    }
}
