internal import ChorosCore
internal import Crypto
package import Foundation
internal import GRDB

/// `auth.sqlite` (HTTP.md): what lets a request through the HTTP door. Only SHA-256 hashes
/// of bearer tokens are kept, so a copy of the file grants nothing. `choros-admin` issues
/// and revokes; `choros-http` reads on every request, so a revocation holds from the next one.
package final class AuthDatabase: Sendable {
    let pool: DatabasePool

    /// Opens (creating, mode 0600) the database at `path`.
    package init(path: String) throws {
        let fresh = !FileManager.default.fileExists(atPath: path)
        if fresh {
            let directory = (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            else { throw AuthError.cannotCreate(path) }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        self.pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(self.pool)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-tokens-sessions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tokens (
                        hash BLOB PRIMARY KEY,
                        instance TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        created_ms INTEGER NOT NULL,
                        revoked_ms INTEGER
                    );
                    CREATE INDEX tokens_instance ON tokens(instance);
                    CREATE TABLE sessions (
                        id TEXT PRIMARY KEY,
                        token_hash BLOB NOT NULL,
                        instance TEXT NOT NULL,
                        last_ms INTEGER NOT NULL
                    );
                    CREATE INDEX sessions_last ON sessions(last_ms);
                    CREATE INDEX sessions_token ON sessions(token_hash, last_ms);
                    """
            )
        }
        // The OAuth door's registered clients (RFC 7591).
        migrator.registerMigration("v2-clients") { db in
            try db.execute(
                sql: """
                    CREATE TABLE clients (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        redirect_uris TEXT NOT NULL,
                        created_ms INTEGER NOT NULL
                    );
                    """
            )
        }
        Self.registerOAuthMigration(&migrator)
        return migrator
    }

    /// A new static bearer token for `instance`: returned once, stored only as its hash.
    package func issueStaticToken(instance: String, now: Int64 = Clock.milliseconds()) throws -> String {
        let token = BearerToken.generate()
        try self.pool.write { db in
            try db.execute(
                sql: "INSERT INTO tokens (hash, instance, kind, created_ms) VALUES (?, ?, 'static', ?)",
                arguments: [token.hash, instance, now]
            )
        }
        return token.text
    }

    /// Revokes every live static token of `instance`; returns how many.
    package func revokeStaticTokens(instance: String, now: Int64 = Clock.milliseconds()) throws -> Int {
        try self.pool.write { db in
            try db.execute(
                sql: """
                    UPDATE tokens SET revoked_ms = ?
                    WHERE instance = ? COLLATE NOCASE AND kind = 'static' AND revoked_ms IS NULL
                    """,
                arguments: [now, instance]
            )
            return db.changesCount
        }
    }

    /// The instance a presented token acts as (a static token, or a live OAuth access token
    /// of a live grant), or nil. `binding` is what the token's sessions are bound to: the
    /// token's own hash, or for OAuth its grant's, so a session outlives the daily rotation.
    package func instance(
        presenting token: String,
        now: Int64 = Clock.milliseconds()
    ) throws -> (instance: String, hash: Data, grantID: String?)? {
        let hash =
            BearerToken.hash(presented: token) ?? BearerToken.hash(presented: token, prefix: BearerToken.accessPrefix)
        guard let hash else { return nil }
        let row = try self.pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT t.instance, t.grant_id FROM tokens t LEFT JOIN grants g ON g.id = t.grant_id
                    WHERE t.hash = ? AND t.kind != 'refresh' AND t.revoked_ms IS NULL
                      AND (t.expires_ms IS NULL OR t.expires_ms > ?) AND g.revoked_ms IS NULL
                    """,
                arguments: [hash, now]
            )
        }
        guard let row else { return nil }
        let grantID: String? = row["grant_id"]
        let binding = grantID.map { Data(SHA256.hash(data: Data("grant:\($0)".utf8))) } ?? hash
        return (row["instance"], binding, grantID)
    }

    /// Live static tokens per instance (for `choros-admin instance list`).
    package func liveTokenCounts() throws -> [String: Int] {
        try self.pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT instance, COUNT(*) AS n FROM tokens WHERE revoked_ms IS NULL GROUP BY instance"
            )
            return Dictionary(rows.map { ($0["instance"] as String, $0["n"] as Int) }, uniquingKeysWith: +)
        }
    }

    // MARK: Sessions

    /// Records an MCP session so it outlives a restart of `choros-http`. Sessions older than
    /// `keep` are dropped on the way, and a token keeps its newest `perToken` only, so one
    /// client opening sessions in a loop cannot grow the table.
    package func saveSession(
        id: String,
        tokenHash: Data,
        instance: String,
        now: Int64 = Clock.milliseconds(),
        keep: Int64 = 7 * 86_400_000,
        perToken: Int = 64
    ) throws {
        try self.pool.write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE last_ms < ?", arguments: [now - keep])
            try db.execute(
                sql: "INSERT OR REPLACE INTO sessions (id, token_hash, instance, last_ms) VALUES (?, ?, ?, ?)",
                arguments: [id, tokenHash, instance, now]
            )
            try db.execute(
                sql: """
                    DELETE FROM sessions WHERE token_hash = ? AND id NOT IN (
                        SELECT id FROM sessions WHERE token_hash = ? ORDER BY last_ms DESC, id LIMIT ?)
                    """,
                arguments: [tokenHash, tokenHash, perToken]
            )
        }
    }

    /// The session `id` if the token that opened it is the one presented now.
    package func session(id: String, tokenHash: Data) throws -> String? {
        try self.pool.read { db in
            try String.fetchOne(
                db,
                sql: "SELECT instance FROM sessions WHERE id = ? AND token_hash = ?",
                arguments: [id, tokenHash]
            )
        }
    }

    package func deleteSession(id: String) throws {
        try self.pool.write { db in try db.execute(sql: "DELETE FROM sessions WHERE id = ?", arguments: [id]) }
    }
}

package enum AuthError: Error, CustomStringConvertible {
    case cannotCreate(String)

    package var description: String {
        switch self {
        case .cannotCreate(let path): "cannot create \(path)"
        }
    }
}

/// A bearer secret: a prefix naming its kind and 64 hex digits of 32 random bytes. Only its
/// SHA-256 is stored. `chb_` static tokens, `cha_` OAuth access tokens, `chr_` refresh
/// tokens, `chk_` authorization codes.
package struct BearerToken: Sendable {
    package static let prefix = "chb_"
    package static let accessPrefix = "cha_"
    package static let refreshPrefix = "chr_"
    package static let codePrefix = "chk_"
    package let text: String

    package var hash: Data { Data(SHA256.hash(data: Data(self.text.utf8))) }

    package static func generate(prefix: String = Self.prefix) -> BearerToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return BearerToken(text: prefix + Hex.encode(bytes))
    }

    /// The hash of a presented secret of this kind, or nil when it cannot be one of ours (no
    /// lookup then).
    package static func hash(presented text: String, prefix: String = Self.prefix) -> Data? {
        guard text.utf8.count == prefix.utf8.count + 64, text.hasPrefix(prefix) else { return nil }
        return BearerToken(text: text).hash
    }
}

package enum Clock {
    package static func milliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
