internal import ChorosProto
internal import Foundation
internal import GRDB
internal import SwiftProtobuf

/// The index's SQLite database: one table of entries for every layer and an FTS5 table over
/// title and body kept in step by triggers. A cache: it may be deleted and rebuilt.
final class IndexDatabase: Sendable {
    let pool: DatabasePool

    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        // A bounded footprint (PERFORMANCE.md: 48 MiB a daemon idle at 100k entries): two
        // readers beside the writer, 1 MiB of page cache each; the OS caches the file anyway.
        configuration.maximumReaderCount = 2
        // The index is derived from git and the audit log (a lost tail is a reindex away), so
        // its commits need not wait for an fsync: WAL with NORMAL syncs at checkpoints only.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -1024")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        self.pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(self.pool)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-entries") { db in
            try db.execute(
                sql: """
                    CREATE TABLE entries (
                        id INTEGER PRIMARY KEY,
                        ref TEXT NOT NULL,
                        path TEXT NOT NULL,
                        is_canon INTEGER NOT NULL,
                        author TEXT NOT NULL,
                        content_oid TEXT NOT NULL,
                        type TEXT NOT NULL,
                        title TEXT NOT NULL,
                        status TEXT NOT NULL,
                        tags TEXT NOT NULL,
                        "references" TEXT NOT NULL,
                        supersedes TEXT NOT NULL,
                        superseded_by TEXT NOT NULL,
                        recipients TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        canon_state TEXT NOT NULL,
                        body TEXT NOT NULL,
                        UNIQUE (ref, path)
                    );
                    CREATE INDEX entries_type ON entries(type);
                    CREATE INDEX entries_author ON entries(author);
                    CREATE VIRTUAL TABLE entries_fts USING fts5(
                        title, body, content='entries', content_rowid='id', tokenize='porter unicode61'
                    );
                    CREATE TRIGGER entries_ai AFTER INSERT ON entries BEGIN
                        INSERT INTO entries_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
                    END;
                    CREATE TRIGGER entries_ad AFTER DELETE ON entries BEGIN
                        INSERT INTO entries_fts(entries_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
                    END;
                    CREATE TRIGGER entries_au AFTER UPDATE ON entries BEGIN
                        INSERT INTO entries_fts(entries_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
                        INSERT INTO entries_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
                    END;
                    """
            )
        }
        migrator.registerMigration("v2-inbox-vantages-lineage") { db in
            try db.execute(
                sql: """
                    ALTER TABLE entries ADD COLUMN binds TEXT NOT NULL DEFAULT '';
                    ALTER TABLE entries ADD COLUMN horizon TEXT NOT NULL DEFAULT '';
                    ALTER TABLE entries ADD COLUMN vantage_kind TEXT NOT NULL DEFAULT '';
                    ALTER TABLE entries ADD COLUMN coordinates TEXT NOT NULL DEFAULT '';
                    CREATE INDEX entries_path ON entries(path);
                    CREATE INDEX entries_vantage_binds ON entries(type, binds);
                    CREATE INDEX entries_vantage_state ON entries(type, canon_state);
                    CREATE INDEX entries_type_author ON entries(type, author);
                    CREATE TABLE message_recipients (
                        entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
                        recipient TEXT NOT NULL
                    );
                    CREATE INDEX message_recipients_recipient ON message_recipients(recipient);
                    CREATE INDEX message_recipients_entry ON message_recipients(entry_id);
                    CREATE TABLE entry_links (
                        entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
                        target TEXT NOT NULL,
                        kind TEXT NOT NULL
                    );
                    CREATE INDEX entry_links_target ON entry_links(target);
                    CREATE INDEX entry_links_entry ON entry_links(entry_id);
                    """
            )
        }
        migrator.registerMigration("v3-embeddings") { db in
            try db.execute(
                sql: """
                    CREATE TABLE embeddings (
                        entry_id INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
                        model TEXT NOT NULL,
                        vector BLOB NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v4-claims") { db in try ClaimTables.create(db) }
        migrator.registerMigration("v5-ref-marks") { db in
            // The commit each ref's rows reflect: what an upsert's advance is checked against.
            try db.execute(sql: "CREATE TABLE ref_marks (ref TEXT PRIMARY KEY, oid TEXT NOT NULL) WITHOUT ROWID")
        }
        return migrator
    }

    /// The rows of `ref` under the directory `prefix`, by path: a range scan of the
    /// (ref, path) index, however many other refs and rows there are.
    func pointers(ref: String, under prefix: String) async throws -> [Choros_V1_IndexedPointer] {
        let directory = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        // Paths in the directory sort between "<dir>/" and "<dir>0" ('0' follows '/').
        let (low, high) = directory.isEmpty ? ("", "\u{10FFFF}") : (directory + "/", directory + "0")
        return try await self.pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT path, title, type, status, content_oid FROM entries
                    WHERE ref = ? AND path >= ? AND path < ? ORDER BY path
                    """,
                arguments: [ref, low, high]
            ).map { row in
                .with {
                    $0.path = row["path"]
                    $0.title = row["title"]
                    $0.type = row["type"]
                    $0.status = row["status"]
                    $0.blobOid = row["content_oid"]
                }
            }
        }
    }

    /// The author of the row at (ref, path), if there is one.
    func author(ref: String, path: String) async throws -> String? {
        try await self.pool.read { db in
            try String.fetchOne(
                db,
                sql: "SELECT author FROM entries WHERE ref = ? AND path = ?",
                arguments: [ref, path]
            )
        }
    }

    /// The commit `ref`'s rows reflect, if the index knows it.
    func mark(of ref: String) async throws -> String? {
        try await self.pool.read { db in try Self.mark(of: ref, in: db) }
    }

    private static func mark(of ref: String, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT oid FROM ref_marks WHERE ref = ?", arguments: [ref])
    }

    /// How a write moves a ref's mark, checked in the transaction that writes its rows.
    struct MarkMove {
        var ref: String
        /// The marks the rows may be applied over (`nil`: the ref has none).
        var accepted: [String?]
        var to: String
    }

    /// Writes the rows and deletions and moves the mark, all or nothing: false (and nothing
    /// written) when the ref's mark is not one `move` accepts.
    func apply(
        _ entries: [IndexedEntry],
        deleting targets: [(ref: String, path: String)],
        move: MarkMove?
    ) async throws -> (applied: Bool, deleted: [Int64]) {
        try await self.pool.write { db in
            if let move {
                guard move.accepted.contains(try Self.mark(of: move.ref, in: db)) else { return (false, []) }
                try db.execute(
                    sql:
                        "INSERT INTO ref_marks(ref, oid) VALUES (?, ?) ON CONFLICT(ref) DO UPDATE SET oid = excluded.oid",
                    arguments: [move.ref, move.to]
                )
            }
            try Self.upsert(entries, in: db)
            return (true, try Self.delete(targets, in: db))
        }
    }

    /// Replaces the row at (ref, path).
    func upsert(_ entries: [IndexedEntry]) async throws {
        try await self.pool.write { db in try Self.upsert(entries, in: db) }
    }

    private static func upsert(_ entries: [IndexedEntry], in db: Database) throws {
        for var entry in entries {
            entry.id = try Int64.fetchOne(
                db,
                sql: "SELECT id FROM entries WHERE ref = ? AND path = ?",
                arguments: [entry.ref, entry.path]
            )
            try entry.save(db)
            if entry.id == nil { entry.id = db.lastInsertedRowID }
            try Self.replaceEdges(of: entry, in: db)
        }
    }

    /// Recipients and links, the side tables inbox and lineage read through their indexes.
    private static func replaceEdges(of entry: IndexedEntry, in db: Database) throws {
        guard let id = entry.id else { return }
        try db.execute(sql: "DELETE FROM message_recipients WHERE entry_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM entry_links WHERE entry_id = ?", arguments: [id])
        if entry.type == "msg" {
            for recipient in entry.recipientList {
                try db.execute(
                    sql: "INSERT INTO message_recipients(entry_id, recipient) VALUES (?, ?)",
                    arguments: [id, recipient]
                )
            }
        }
        var links = entry.referenceList.map { ($0, "references") }
        if !entry.supersedes.isEmpty { links.append((entry.supersedes, "supersedes")) }
        for (target, kind) in links {
            try db.execute(
                sql: "INSERT INTO entry_links(entry_id, target, kind) VALUES (?, ?, ?)",
                arguments: [id, target, kind]
            )
        }
    }

    /// Deletes the rows (their side tables and vectors go by cascade); returns their ids.
    func delete(_ targets: [(ref: String, path: String)]) async throws -> [Int64] {
        try await self.pool.write { db in try Self.delete(targets, in: db) }
    }

    private static func delete(_ targets: [(ref: String, path: String)], in db: Database) throws -> [Int64] {
        var deleted: [Int64] = []
        for target in targets {
            let id = try Int64.fetchOne(
                db,
                sql: "SELECT id FROM entries WHERE ref = ? AND path = ?",
                arguments: [target.ref, target.path]
            )
            try db.execute(
                sql: "DELETE FROM entries WHERE ref = ? AND path = ?",
                arguments: [target.ref, target.path]
            )
            if let id { deleted.append(id) }
        }
        return deleted
    }

    /// Rows that should have a vector for `model` and do not (new, failed, or another model),
    /// messages and vantages excepted: they are never searched.
    func rowsWithoutVectors(model: String, limit: Int) async throws -> [IndexedEntry] {
        try await self.pool.read { db in
            try IndexedEntry.fetchAll(
                db,
                sql: """
                    SELECT e.* FROM entries e LEFT JOIN embeddings v ON v.entry_id = e.id
                    WHERE (v.entry_id IS NULL OR v.model != ?)
                      AND e.type NOT IN ('msg', 'vap') AND e.path NOT LIKE 'messages/%' AND e.path NOT LIKE 'vantages/%'
                    ORDER BY e.id LIMIT ?
                    """,
                arguments: [model, limit]
            )
        }
    }

    func storeVectors(_ vectors: [(id: Int64, vector: [Float])], model: String) async throws {
        try await self.pool.write { db in
            for (id, vector) in vectors {
                let blob = vector.withUnsafeBufferPointer { Data(buffer: $0) }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO embeddings(entry_id, model, vector) VALUES (?, ?, ?)",
                    arguments: [id, model, blob]
                )
            }
        }
    }

    func loadVectors(model: String, dimension: Int) async throws -> [(id: Int64, vector: [Float])] {
        try await self.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT entry_id, vector FROM embeddings WHERE model = ?", arguments: [model])
                .compactMap { row in
                    let blob: Data = row["vector"]
                    guard blob.count == dimension * MemoryLayout<Float>.size else { return nil }
                    let vector = blob.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                    return (row["entry_id"], vector)
                }
        }
    }
}
