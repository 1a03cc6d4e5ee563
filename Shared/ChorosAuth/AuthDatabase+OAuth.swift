internal import Crypto
package import Foundation
internal import GRDB

/// The OAuth door's state (HTTP.md, "The OAuth door"): authorization transactions waiting for
/// the practitioner, grants (a client acting as one instance), single-use authorization codes,
/// and access and refresh tokens. Codes and tokens are kept as SHA-256 hashes only.
extension AuthDatabase {
    /// How long each thing lives (HTTP.md): a page waits 10 minutes for the practitioner.
    package enum Lifetime {
        package static let transaction: Int64 = 600_000
        package static let code: Int64 = 300_000
        package static let access: Int64 = 86_400_000
        package static let refresh: Int64 = 30 * 86_400_000
        /// A rotated refresh token is kept this long, so its reuse (a stolen copy) is noticed.
        package static let rotated: Int64 = 86_400_000
        /// A registered client that never got a grant is dropped after this long.
        package static let unusedClient: Int64 = 86_400_000
    }

    /// Pending transactions the door holds at once, and per client: more is a flood, refused
    /// until some expire (one client cannot take every slot).
    package static let maximumTransactions = 256
    package static let maximumTransactionsPerClient = 8

    package struct Transaction: Sendable, Equatable {
        package let id: String
        package let clientID: String
        package let redirectURI: String
        package let challenge: String
        package let state: String?
        package let instance: String
        package let expiresAt: Int64
        /// The SHA-256 of the secret the starting browser holds (a cookie): only that browser
        /// completes the transaction, whoever else learns its id.
        package let binding: Data
        package var wrongCodes: Int
        /// Set once approved, at the console or by code.
        package var grantID: String?
    }

    package struct Grant: Sendable, Equatable {
        package let id: String
        package let clientID: String
        package let instance: String
        package let channel: String
        package let createdAt: Int64
        package let revokedAt: Int64?
    }

    /// What `/token` answers.
    package struct TokenPair: Sendable {
        package let access: String
        package let refresh: String
        package let grant: Grant
    }

    package enum TokenFailure: Error, Equatable {
        /// Unknown, expired, or issued to another client or redirect URI.
        case invalid(String)
        /// A used code or rotated refresh token came back: the grant is revoked.
        case replayed(grantID: String)
    }

    static func registerOAuthMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-oauth") { db in
            try db.execute(
                sql: """
                    CREATE TABLE transactions (
                        id TEXT PRIMARY KEY,
                        client_id TEXT NOT NULL,
                        redirect_uri TEXT NOT NULL,
                        challenge TEXT NOT NULL,
                        state TEXT,
                        instance TEXT NOT NULL,
                        expires_ms INTEGER NOT NULL,
                        wrong_codes INTEGER NOT NULL DEFAULT 0,
                        grant_id TEXT
                    );
                    CREATE INDEX transactions_expires ON transactions(expires_ms);
                    CREATE TABLE grants (
                        id TEXT PRIMARY KEY,
                        client_id TEXT NOT NULL,
                        instance TEXT NOT NULL,
                        channel TEXT NOT NULL,
                        created_ms INTEGER NOT NULL,
                        revoked_ms INTEGER
                    );
                    CREATE TABLE codes (
                        hash BLOB PRIMARY KEY,
                        grant_id TEXT NOT NULL,
                        client_id TEXT NOT NULL,
                        redirect_uri TEXT NOT NULL,
                        challenge TEXT NOT NULL,
                        expires_ms INTEGER NOT NULL,
                        used_ms INTEGER
                    );
                    CREATE INDEX codes_expires ON codes(expires_ms);
                    ALTER TABLE tokens ADD COLUMN grant_id TEXT;
                    ALTER TABLE tokens ADD COLUMN expires_ms INTEGER;
                    CREATE INDEX tokens_grant ON tokens(grant_id);
                    CREATE INDEX tokens_expires ON tokens(expires_ms);
                    CREATE INDEX tokens_revoked ON tokens(revoked_ms);
                    """
            )
        }
        // The browser that starts an authorization is the only one that completes it.
        migrator.registerMigration("v4-transaction-binding") { db in
            try db.execute(
                sql: """
                    ALTER TABLE transactions ADD COLUMN binding BLOB NOT NULL DEFAULT x'';
                    CREATE INDEX transactions_client ON transactions(client_id);
                    """
            )
        }
    }

    // MARK: transactions

    /// A transaction for the approval page; nil when `maximumTransactions` are pending.
    package func openTransaction(
        clientID: String,
        redirectURI: String,
        challenge: String,
        state: String?,
        instance: String,
        binding: Data,
        now: Int64 = Clock.milliseconds()
    ) throws -> Transaction? {
        let transaction = Transaction(
            id: Self.randomID("cht_"),
            clientID: clientID,
            redirectURI: redirectURI,
            challenge: challenge,
            state: state,
            instance: instance,
            expiresAt: now + Lifetime.transaction,
            binding: binding,
            wrongCodes: 0,
            grantID: nil
        )
        return try self.pool.write { db in
            try Self.collect(db, now: now)
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions") ?? 0 < Self.maximumTransactions,
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM transactions WHERE client_id = ?",
                    arguments: [clientID]
                )
                    ?? 0 < Self.maximumTransactionsPerClient
            else { return nil }
            try db.execute(
                sql: """
                    INSERT INTO transactions (id, client_id, redirect_uri, challenge, state, instance, expires_ms, binding)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    transaction.id, clientID, redirectURI, challenge, state, instance, transaction.expiresAt, binding,
                ]
            )
            return transaction
        }
    }

    /// A live transaction, or nil (unknown, expired, burned or completed).
    package func transaction(id: String, now: Int64 = Clock.milliseconds()) throws -> Transaction? {
        try self.pool.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT * FROM transactions WHERE id = ? AND expires_ms > ?",
                arguments: [id, now]
            ).map(Self.transaction)
        }
    }

    /// Counts a wrong code; at `limit` the transaction is burned (deleted). Returns the count,
    /// or nil when the transaction was gone already.
    package func countWrongCode(transaction id: String, limit: Int) throws -> Int? {
        try self.pool.write { db in
            try db.execute(sql: "UPDATE transactions SET wrong_codes = wrong_codes + 1 WHERE id = ?", arguments: [id])
            let count = try Int.fetchOne(db, sql: "SELECT wrong_codes FROM transactions WHERE id = ?", arguments: [id])
            if let count, count >= limit {
                try db.execute(sql: "DELETE FROM transactions WHERE id = ?", arguments: [id])
            }
            return count
        }
    }

    /// Records the practitioner's approval: a grant for the transaction's client, acting as
    /// `instance`. Nil when the transaction is gone or approved already.
    package func approve(
        transaction id: String,
        instance: String,
        channel: String,
        now: Int64 = Clock.milliseconds()
    ) throws -> Grant? {
        try self.pool.write { db in
            guard
                let transaction = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM transactions WHERE id = ? AND expires_ms > ? AND grant_id IS NULL",
                    arguments: [id, now]
                ).map(Self.transaction)
            else { return nil }
            let grant = Grant(
                id: Self.randomID("chg_"),
                clientID: transaction.clientID,
                instance: instance,
                channel: channel,
                createdAt: now,
                revokedAt: nil
            )
            try db.execute(
                sql: "INSERT INTO grants (id, client_id, instance, channel, created_ms) VALUES (?, ?, ?, ?, ?)",
                arguments: [grant.id, grant.clientID, instance, channel, now]
            )
            try db.execute(sql: "UPDATE transactions SET grant_id = ? WHERE id = ?", arguments: [grant.id, id])
            return grant
        }
    }

    /// Ends an approved transaction with a single-use authorization code for its client (the
    /// browser carries it to the redirect URI). Nil when the transaction is not approved.
    package func issueCode(
        transaction id: String,
        now: Int64 = Clock.milliseconds()
    ) throws -> (
        code: String, transaction: Transaction
    )? {
        let code = BearerToken.generate(prefix: BearerToken.codePrefix)
        return try self.pool.write { db in
            guard
                let transaction = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM transactions WHERE id = ? AND expires_ms > ? AND grant_id IS NOT NULL",
                    arguments: [id, now]
                ).map(Self.transaction),
                let grantID = transaction.grantID
            else { return nil }
            try db.execute(
                sql: """
                    INSERT INTO codes (hash, grant_id, client_id, redirect_uri, challenge, expires_ms)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    code.hash, grantID, transaction.clientID, transaction.redirectURI, transaction.challenge,
                    now + Lifetime.code,
                ]
            )
            try db.execute(sql: "DELETE FROM transactions WHERE id = ?", arguments: [id])
            return (code.text, transaction)
        }
    }

    /// Transactions waiting for the practitioner (for `choros-admin connector list`).
    package func pendingTransactions(now: Int64 = Clock.milliseconds()) throws -> [Transaction] {
        try self.pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM transactions WHERE expires_ms > ? AND grant_id IS NULL ORDER BY expires_ms",
                arguments: [now]
            ).map(Self.transaction)
        }
    }

    // MARK: tokens

    /// `/token` with `grant_type=authorization_code`: the code is spent (once), its client,
    /// redirect URI and PKCE verifier must match. A code presented twice revokes its grant.
    package func exchange(
        code: String,
        clientID: String,
        redirectURI: String?,
        verifier: String,
        now: Int64 = Clock.milliseconds()
    ) throws -> Result<TokenPair, TokenFailure> {
        guard let hash = BearerToken.hash(presented: code, prefix: BearerToken.codePrefix) else {
            return .failure(.invalid("the code is not one this server issued"))
        }
        return try self.pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM codes WHERE hash = ?", arguments: [hash]) else {
                return .failure(.invalid("unknown or expired code"))
            }
            let grantID: String = row["grant_id"]
            if row["used_ms"] as Int64? != nil {
                try Self.revoke(grant: grantID, db: db, now: now)
                return .failure(.replayed(grantID: grantID))
            }
            guard row["expires_ms"] as Int64 > now else { return .failure(.invalid("the code expired")) }
            guard row["client_id"] as String == clientID,
                redirectURI.map({ $0 == row["redirect_uri"] as String }) ?? true
            else {
                return .failure(.invalid("the code was issued to another client or redirect_uri"))
            }
            guard PKCE.matches(verifier: verifier, challenge: row["challenge"]) else {
                return .failure(.invalid("code_verifier does not match the code_challenge"))
            }
            try db.execute(sql: "UPDATE codes SET used_ms = ? WHERE hash = ?", arguments: [now, hash])
            guard let grant = try Self.liveGrant(grantID, db: db) else {
                return .failure(.invalid("the grant was revoked"))
            }
            return .success(try Self.issuePair(for: grant, db: db, now: now))
        }
    }

    /// `/token` with `grant_type=refresh_token`: the refresh token rotates. A rotated one
    /// presented again means two holders: the grant is revoked.
    package func refresh(
        token: String,
        clientID: String,
        now: Int64 = Clock.milliseconds()
    ) throws -> Result<TokenPair, TokenFailure> {
        guard let hash = BearerToken.hash(presented: token, prefix: BearerToken.refreshPrefix) else {
            return .failure(.invalid("the refresh token is not one this server issued"))
        }
        return try self.pool.write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM tokens WHERE hash = ? AND kind = 'refresh'",
                    arguments: [hash]
                ), let grantID = row["grant_id"] as String?
            else { return .failure(.invalid("unknown refresh token")) }
            if row["revoked_ms"] as Int64? != nil {
                try Self.revoke(grant: grantID, db: db, now: now)
                return .failure(.replayed(grantID: grantID))
            }
            guard (row["expires_ms"] as Int64?) ?? 0 > now else {
                return .failure(.invalid("the refresh token expired"))
            }
            guard let grant = try Self.liveGrant(grantID, db: db), grant.clientID == clientID else {
                return .failure(.invalid("the grant was revoked, or belongs to another client"))
            }
            try db.execute(sql: "UPDATE tokens SET revoked_ms = ? WHERE hash = ?", arguments: [now, hash])
            return .success(try Self.issuePair(for: grant, db: db, now: now))
        }
    }

    /// RFC 7009: an access token alone, or a refresh token with its whole grant. Returns the
    /// grant the token belonged to (nil for a token unknown or not the door's).
    package func revoke(token: String, now: Int64 = Clock.milliseconds()) throws -> String? {
        let hash =
            BearerToken.hash(presented: token, prefix: BearerToken.accessPrefix)
            ?? BearerToken.hash(presented: token, prefix: BearerToken.refreshPrefix)
        guard let hash else { return nil }
        return try self.pool.write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT kind, grant_id FROM tokens WHERE hash = ?",
                    arguments: [hash]
                ),
                let grantID = row["grant_id"] as String?
            else { return nil }
            if row["kind"] as String == "refresh" {
                try Self.revoke(grant: grantID, db: db, now: now)
            } else {
                try db.execute(
                    sql: "UPDATE tokens SET revoked_ms = ? WHERE hash = ? AND revoked_ms IS NULL",
                    arguments: [now, hash]
                )
            }
            return grantID
        }
    }

    /// `choros-admin connector revoke`: the grant and every token it issued, from the next request.
    package func revoke(grant id: String, now: Int64 = Clock.milliseconds()) throws -> Grant? {
        try self.pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM grants WHERE id = ?", arguments: [id]) else {
                return nil
            }
            try Self.revoke(grant: id, db: db, now: now)
            return Self.grant(row)
        }
    }

    package func grants() throws -> [Grant] {
        try self.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM grants ORDER BY created_ms").map(Self.grant)
        }
    }

    /// Drops what expired (transactions, codes, tokens, rotated refresh tokens a day on);
    /// the door calls it as it opens transactions and issues tokens, so no table outgrows
    /// what is live.
    package func collectExpired(now: Int64 = Clock.milliseconds()) throws {
        try self.pool.write { db in try Self.collect(db, now: now) }
    }

    private static func collect(_ db: Database, now: Int64) throws {
        try db.execute(sql: "DELETE FROM transactions WHERE expires_ms <= ?", arguments: [now])
        try db.execute(sql: "DELETE FROM codes WHERE expires_ms <= ?", arguments: [now])
        try db.execute(
            sql: "DELETE FROM tokens WHERE expires_ms <= ? OR (kind != 'static' AND revoked_ms <= ?)",
            arguments: [now, now - Lifetime.rotated]
        )
    }

    private static func issuePair(for grant: Grant, db: Database, now: Int64) throws -> TokenPair {
        try Self.collect(db, now: now)
        let access = BearerToken.generate(prefix: BearerToken.accessPrefix)
        let refresh = BearerToken.generate(prefix: BearerToken.refreshPrefix)
        for (token, kind, lifetime) in [(access, "access", Lifetime.access), (refresh, "refresh", Lifetime.refresh)] {
            try db.execute(
                sql: """
                    INSERT INTO tokens (hash, instance, kind, created_ms, grant_id, expires_ms)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [token.hash, grant.instance, kind, now, grant.id, now + lifetime]
            )
        }
        return TokenPair(access: access.text, refresh: refresh.text, grant: grant)
    }

    private static func revoke(grant id: String, db: Database, now: Int64) throws {
        try db.execute(
            sql: "UPDATE grants SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL",
            arguments: [now, id]
        )
        try db.execute(
            sql: "UPDATE tokens SET revoked_ms = ? WHERE grant_id = ? AND revoked_ms IS NULL",
            arguments: [now, id]
        )
    }

    private static func liveGrant(_ id: String, db: Database) throws -> Grant? {
        try Row.fetchOne(db, sql: "SELECT * FROM grants WHERE id = ? AND revoked_ms IS NULL", arguments: [id])
            .map(Self.grant)
    }

    private static func transaction(_ row: Row) -> Transaction {
        Transaction(
            id: row["id"],
            clientID: row["client_id"],
            redirectURI: row["redirect_uri"],
            challenge: row["challenge"],
            state: row["state"],
            instance: row["instance"],
            expiresAt: row["expires_ms"],
            binding: row["binding"] ?? Data(),
            wrongCodes: row["wrong_codes"],
            grantID: row["grant_id"]
        )
    }

    private static func grant(_ row: Row) -> Grant {
        Grant(
            id: row["id"],
            clientID: row["client_id"],
            instance: row["instance"],
            channel: row["channel"],
            createdAt: row["created_ms"],
            revokedAt: row["revoked_ms"]
        )
    }

    static func randomID(_ prefix: String) -> String {
        prefix + BearerToken.generate().text.dropFirst(BearerToken.prefix.count).prefix(32)
    }
}

/// RFC 7636, S256 only: the challenge is base64url(SHA-256(verifier)) without padding.
package enum PKCE {
    /// 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636, 4.1).
    package static func isValidVerifier(_ text: String) -> Bool {
        (43...128).contains(text.utf8.count) && text.utf8.allSatisfy(Self.isUnreserved)
    }

    /// A challenge is the 43 base64url characters of a SHA-256.
    package static func isValidChallenge(_ text: String) -> Bool {
        text.utf8.count == 43 && text.utf8.allSatisfy(Self.isUnreserved)
    }

    package static func matches(verifier: String, challenge: String) -> Bool {
        guard Self.isValidVerifier(verifier) else { return false }
        let digest = Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return digest == challenge
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }
}
