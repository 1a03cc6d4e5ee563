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
        let id = Self.randomID("chc_")
        let uris = String(decoding: try JSONSerialization.data(withJSONObject: redirectURIs), as: UTF8.self)
        return try self.pool.write { db in
            // A registration that never led to a grant is dropped after a day, so the cap
            // bounds live clients, not every registration anyone ever made.
            try db.execute(sql: "DELETE FROM transactions WHERE expires_ms <= ?", arguments: [now])
            try db.execute(
                sql: """
                    DELETE FROM clients WHERE created_ms < ?
                      AND id NOT IN (SELECT client_id FROM grants) AND id NOT IN (SELECT client_id FROM transactions)
                    """,
                arguments: [now - Self.Lifetime.unusedClient]
            )
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clients") ?? 0 < cap else { return nil }
            try db.execute(
                sql: "INSERT INTO clients (id, name, redirect_uris, created_ms) VALUES (?, ?, ?, ?)",
                arguments: [id, name, uris, now]
            )
            return Client(id: id, name: name, redirectURIs: redirectURIs, createdAt: now)
        }
    }

    /// Removes a registration: its pending approvals go, and every grant it holds is
    /// revoked with its tokens. False when no such client is registered.
    package func removeClient(id: String, now: Int64 = Clock.milliseconds()) throws -> Bool {
        try self.pool.write { db in
            try db.execute(sql: "DELETE FROM clients WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "DELETE FROM transactions WHERE client_id = ?", arguments: [id])
            try db.execute(
                sql: """
                    UPDATE tokens SET revoked_ms = ? WHERE revoked_ms IS NULL
                      AND grant_id IN (SELECT id FROM grants WHERE client_id = ?)
                    """,
                arguments: [now, id]
            )
            try db.execute(
                sql: "UPDATE grants SET revoked_ms = ? WHERE client_id = ? AND revoked_ms IS NULL",
                arguments: [now, id]
            )
            return true
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
