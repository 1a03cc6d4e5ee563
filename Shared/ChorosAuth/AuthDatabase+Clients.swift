internal import Foundation
internal import GRDB

/// Registered OAuth clients (RFC 7591): what `/register` accepts, capped in count.
extension AuthDatabase {
    package struct Client: Sendable, Equatable {
        package let id: String
        package let name: String
        package let redirectURIs: [String]
        package let createdAt: Int64
    }

    /// Registers a client; nil when `cap` clients are registered already.
    package func registerClient(
        name: String,
        redirectURIs: [String],
        cap: Int,
        now: Int64 = Clock.milliseconds()
    ) throws -> Client? {
        let id = "chc_" + BearerToken.generate().text.dropFirst(BearerToken.prefix.count).prefix(32)
        let uris = String(decoding: try JSONSerialization.data(withJSONObject: redirectURIs), as: UTF8.self)
        return try self.pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clients") ?? 0 < cap else { return nil }
            try db.execute(
                sql: "INSERT INTO clients (id, name, redirect_uris, created_ms) VALUES (?, ?, ?, ?)",
                arguments: [id, name, uris, now]
            )
            return Client(id: id, name: name, redirectURIs: redirectURIs, createdAt: now)
        }
    }

    package func client(id: String) throws -> Client? {
        try self.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM clients WHERE id = ?", arguments: [id]).map(Self.client)
        }
    }

    package func clients() throws -> [Client] {
        try self.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM clients ORDER BY created_ms").map(Self.client)
        }
    }

    private static func client(_ row: Row) -> Client {
        let text: String = row["redirect_uris"]
        let uris = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String] ?? []
        return Client(id: row["id"], name: row["name"], redirectURIs: uris, createdAt: row["created_ms"])
    }
}
