internal import Foundation
internal import GRDB

/// The index's SQLite database: one table of entries for every layer and an FTS5 table over
/// title and body kept in step by triggers. A cache: it may be deleted and rebuilt.
final class IndexDatabase: Sendable {
    let pool: DatabasePool

    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
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
        return migrator
    }

    /// Replaces the row at (ref, path).
    func upsert(_ entries: [IndexedEntry]) async throws {
        try await self.pool.write { db in
            for var entry in entries {
                entry.id = try Int64.fetchOne(
                    db,
                    sql: "SELECT id FROM entries WHERE ref = ? AND path = ?",
                    arguments: [entry.ref, entry.path]
                )
                try entry.save(db)
            }
        }
    }

    func delete(_ targets: [(ref: String, path: String)]) async throws -> Int {
        try await self.pool.write { db in
            var deleted = 0
            for target in targets {
                try db.execute(
                    sql: "DELETE FROM entries WHERE ref = ? AND path = ?",
                    arguments: [target.ref, target.path]
                )
                deleted += db.changesCount
            }
            return deleted
        }
    }
}
