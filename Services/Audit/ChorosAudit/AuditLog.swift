package import ChorosClients
package import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import GRDB

/// The operation log: appends, indexed lookups, chain verification, anchoring into git and
/// reconciliation with the store's commits.
package final class AuditLog: Sendable {
    let database: AuditDatabase
    let store: StoreClient
    let systemKey: SigningKey
    let backupDirectories: [String]
    let deployment: String
    private let lock: ProcessLock

    /// Takes `<audit_db>.lock` (one audit daemon per database), opens and migrates the
    /// database, and loads the system key (creating it, 0600, on first start).
    ///
    /// - Throws: `ProcessLockError.held` naming the other daemon's pid.
    package init(configuration: ChorosConfiguration, store: StoreClient) throws {
        let directory = (configuration.auditDatabase as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.lock = try ProcessLock(path: configuration.auditDatabase + ".lock")
        self.database = try AuditDatabase(path: configuration.auditDatabase)
        self.store = store
        self.backupDirectories = configuration.backupDirectories
        self.deployment = try configuration.deploymentID()
        self.systemKey = try Self.loadSystemKey(keysDirectory: configuration.keysDirectory)
    }

    static func loadSystemKey(keysDirectory: String) throws -> SigningKey {
        try FileManager.default.createDirectory(
            atPath: keysDirectory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let path = keysDirectory + "/system.key"
        if FileManager.default.fileExists(atPath: path) { return try SigningKey.load(from: path) }
        let key = try SigningKey.generate()
        do {
            try key.save(to: path)
            return key
        } catch KeyFileError.exists {
            // Another daemon created it first: use theirs.
            return try SigningKey.load(from: path)
        }
    }

    var registry: RegistryCache { self.store.registry }

    static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func append(_ inputs: [Choros_V1_AuditEventInput]) async throws -> [AuditRow] {
        for input in inputs where !input.envelope.isEmpty { try await self.checkSigner(input) }
        return try await self.database.append(inputs, now: Self.now)
    }

    /// A signed event is appended only if its envelope verifies and names the actor: the log
    /// is forgery-evident because it refuses forgeries, not because a reader may check later
    /// (TRUST.md, rule 2). Enrollment is "ever enrolled": a revoked key's past acts stay valid.
    private func checkSigner(_ input: Choros_V1_AuditEventInput) async throws {
        let operation: SignedOperation
        do {
            operation = try OperationVerifier.verifyIntegrity(json: Array(input.envelope))
        } catch {
            throw AuditError.invalidEvent("the envelope does not verify: \(error)")
        }
        guard let record = try await self.registry.everEnrolled(operation.author) else {
            throw AuditError.invalidEvent("the envelope is signed by \(operation.author), which was never enrolled")
        }
        guard input.actor.lowercased() == record.name.folded else {
            throw AuditError.invalidEvent(
                "actor '\(input.actor.prefix(64))' did not sign this envelope: '\(record.name)' did"
            )
        }
    }

    func head() async throws -> (seq: Int64, hash: String) {
        let tail = try await self.database.pool.read { try AuditRow.fetchOne($0, sql: AuditQueries.tail) }
        return (tail?.seq ?? 0, tail?.hash ?? AuditRow.genesis)
    }

    func latest(op: String, actor: String) async throws -> AuditRow? {
        try await self.database.pool.read {
            try AuditRow.fetchOne($0, sql: AuditQueries.latest, arguments: [op, actor])
        }
    }

    /// One read transaction for the whole batch: an inbox asks once, not once per message.
    func isRead(_ keys: [Choros_V1_ReadKey]) async throws -> [Bool] {
        try await self.database.pool.read { db in
            try keys.map { key in
                try Bool.fetchOne(db, sql: AuditQueries.isRead, arguments: [key.reader, key.path, key.ref]) ?? false
            }
        }
    }

    func find(opID: String, requestKey: String, actor: String) async throws -> [AuditRow] {
        try await self.database.pool.read { db in
            if !opID.isEmpty { return try AuditRow.fetchAll(db, sql: AuditQueries.byOpID, arguments: [opID]) }
            let rows = try AuditRow.fetchAll(db, sql: AuditQueries.byRequestKey, arguments: [requestKey])
            return actor.isEmpty ? rows : rows.filter { $0.actor == actor }
        }
    }

    /// Events after `since`, in seq order (or the newest first), filtered; a page of at most
    /// `limit`.
    func events(_ request: Choros_V1_EventsRequest) async throws -> (rows: [AuditRow], hasMore: Bool) {
        let limit = request.limit == 0 ? 100 : Int(min(request.limit, 1000))
        var clauses = ["seq > \(request.sinceSeq)"]
        if request.beforeSeq > 0 { clauses.append("seq < \(request.beforeSeq)") }
        var values: [String] = []
        for (column, value) in [
            ("op", request.op), ("actor", request.actor), ("target_ref", request.targetRef),
            ("target_path", request.targetPath),
        ] where !value.isEmpty {
            clauses.append("\(column) = ?")
            values.append(value)
        }
        if !request.ops.isEmpty {
            clauses.append("op IN (\(Array(repeating: "?", count: request.ops.count).joined(separator: ", ")))")
            values += request.ops
        }
        let order = request.newestFirst ? "DESC" : "ASC"
        let filter = clauses.joined(separator: " AND ")
        let sql = "SELECT * FROM events WHERE \(filter) ORDER BY seq \(order) LIMIT \(limit + 1)"
        let filters = values
        let rows = try await self.database.pool.read { db in
            try AuditRow.fetchAll(db, sql: sql, arguments: StatementArguments(filters))
        }
        return (Array(rows.prefix(limit)), rows.count > limit)
    }

    /// A consistent copy through SQLite's backup API, safe while appends continue.
    ///
    /// GRDB's backup is synchronous and waits for a reader connection. On an executor thread
    /// (the daemon's event loops) that wait could never end: the async reads holding the
    /// readers resume on those same threads to give them back. A 1,000-kill soak hung there
    /// for good; the copy runs on a dispatch thread instead.
    func snapshot(to path: String) async throws -> Int64 {
        do {
            let destination = try DatabaseQueue(path: path)
            let pool = self.database.pool
            try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
                DispatchQueue.global().async { done.resume(with: Result { try pool.backup(to: destination) }) }
            }
            return try await destination.read { try AuditRow.fetchOne($0, sql: AuditQueries.tail)?.seq ?? 0 }
        } catch {
            throw AuditError.snapshotFailed(path: path, reason: "\(error)")
        }
    }
}
