internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import CoreMetrics
internal import Foundation
internal import GRDB

/// The log's SQLite database: WAL, FULL sync (an acknowledged append survives power loss),
/// one `DatabasePool` for the life of the process, migrations forward only.
final class AuditDatabase: Sendable {
    let pool: DatabasePool
    let appends: GroupCommit<[AuditRow], [AuditRow]>

    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        self.pool = try DatabasePool(path: path, configuration: configuration)
        self.appends = GroupCommit()
        try Self.migrator.migrate(self.pool)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY,
                        ts INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        op TEXT NOT NULL,
                        target_ref TEXT NOT NULL,
                        target_path TEXT NOT NULL,
                        op_id TEXT NOT NULL,
                        request_key TEXT NOT NULL,
                        result_oid TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        detail TEXT NOT NULL,
                        envelope BLOB,
                        prev_hash TEXT NOT NULL,
                        hash TEXT NOT NULL
                    );
                    CREATE INDEX events_op_actor_seq ON events(op, actor, seq);
                    CREATE INDEX events_op_actor_path ON events(op, actor, target_path);
                    CREATE INDEX events_request_key ON events(request_key);
                    CREATE INDEX events_op_id ON events(op_id, target_ref);
                    """
            )
        }
        migrator.registerMigration("v2-window-once") { db in
            // A TOTP window is spent once per purpose (TRUST.md, rule 4). Rows a log already
            // holds stay as they are (the chain covers them); the index guards what follows.
            let before =
                try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM events WHERE op = 'airlock.window'")
                ?? 0
            try db.execute(
                sql: """
                    CREATE UNIQUE INDEX events_window_once ON events(actor, target_path)
                    WHERE op = 'airlock.window' AND seq > \(before)
                    """
            )
        }
        migrator.registerMigration("v3-reconcile-marks") { db in
            // Per ref, the tip the last reconcile covered: the next one reads only what follows.
            try db.execute(sql: "CREATE TABLE reconcile_marks (ref TEXT PRIMARY KEY, oid TEXT NOT NULL)")
        }
        return migrator
    }

    /// Appends `inputs` atomically: seq and prev_hash come from the tail row read inside the
    /// transaction, never from memory, so no second writer can fork the chain. Appends that
    /// arrive while one is being synced share the next transaction (group commit); each
    /// caller's inputs still go in whole or not at all, and it is answered once they are durable.
    ///
    /// An op is recorded once per ref: an input whose op id already has an event on its
    /// target ref with the same envelope returns that event instead, so a retry, a reconcile
    /// racing a retry, or a replayed request never records one act twice; so does an input
    /// whose request key, actor, op, ref and outcome match an event (a retry signed anew). The envelope is part
    /// of the match so that an unsigned event naming someone's op id cannot stand in for it.
    func append(_ inputs: [Choros_V1_AuditEventInput], now: Int64) async throws -> [AuditRow] {
        let rows = try inputs.map { try Self.validate($0, now: now) }
        let pool = self.pool
        return try await self.appends.submit(rows) { batch in await Self.appendBatch(batch, to: pool) }
    }

    /// One transaction for every waiting caller, each in a savepoint of its own.
    private static func appendBatch(
        _ batch: [[AuditRow]],
        to pool: DatabasePool
    ) async -> [Result<[AuditRow], any Error>] {
        Recorder(label: "choros_audit_group_size").record(batch.count)
        let started = ContinuousClock.now
        defer { Timer(label: "choros_audit_commit_duration_seconds").recordDuration(since: started) }
        do {
            return try await pool.write { db in
                let tail = try AuditRow.fetchOne(db, sql: AuditQueries.tail)
                var chain = (seq: tail?.seq ?? 0, hash: tail?.hash ?? AuditRow.genesis)
                return batch.map { rows in
                    Result {
                        var appended: [AuditRow] = []
                        var next = chain
                        try db.inSavepoint {
                            appended = try Self.insert(rows, after: &next, in: db)
                            return .commit
                        }
                        chain = next
                        return appended
                    }
                }
            }
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }

    private static func insert(
        _ rows: [AuditRow],
        after chain: inout (seq: Int64, hash: String),
        in db: Database
    ) throws -> [AuditRow] {
        var appended: [AuditRow] = []
        for var row in rows {
            if !row.opID.isEmpty,
                let existing = try AuditRow.fetchOne(
                    db,
                    sql: AuditQueries.sameAct,
                    arguments: [row.opID, row.targetRef, row.envelope]
                )
            {
                appended.append(existing)
                continue
            }
            // Checked here, in the append's transaction, because two attempts can both pass the
            // gateway's look-up before either is recorded (a 300-kill soak recorded one claim twice).
            if !row.requestKey.isEmpty, row.outcome == "ok",
                let existing = try AuditRow.fetchOne(
                    db,
                    sql: AuditQueries.sameRequest,
                    arguments: [row.requestKey, row.actor, row.op, row.targetRef, row.outcome]
                )
            {
                appended.append(existing)
                continue
            }
            row.seq = chain.seq + 1
            row.prevHash = chain.hash
            row.hash = row.computeHash(previous: chain.hash)
            do {
                try row.insert(db)
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw AuditError.alreadyRecorded("\(row.op) \(row.actor) \(row.targetPath) is already recorded")
            }
            chain = (row.seq, row.hash)
            appended.append(row)
        }
        return appended
    }

    /// Caps every field copied into the log, so no caller can make one event cost more than this.
    static let maximumDetailBytes = 16 * 1024

    /// Checks an input before anything is written; the whole batch fails on one bad event.
    private static func validate(_ input: Choros_V1_AuditEventInput, now: Int64) throws -> AuditRow {
        guard !input.actor.isEmpty, !input.op.isEmpty, !input.outcome.isEmpty else {
            throw AuditError.invalidEvent("actor, op and outcome are required")
        }
        for (field, value, limit) in [
            ("actor", input.actor, 64), ("op", input.op, 64), ("outcome", input.outcome, 32),
            ("target_ref", input.targetRef, 256), ("target_path", input.targetPath, 1024), ("op_id", input.opID, 80),
            ("request_key", input.requestKey, 128), ("result_oid", input.resultOid, 64),
        ] where value.utf8.count > limit {
            throw AuditError.invalidEvent("\(field) is \(value.utf8.count) bytes; the limit is \(limit)")
        }
        guard input.detail.count <= Self.maximumDetailBytes else {
            throw AuditError.invalidEvent(
                "detail is \(input.detail.count) bytes; the limit is \(Self.maximumDetailBytes)"
            )
        }
        var detail = "{}"
        if !input.detail.isEmpty {
            guard case .object = try? JSONParser.parse(Array(input.detail)) else {
                throw AuditError.invalidEvent("detail must be a JSON object of the canonical subset (no floats)")
            }
            detail = String(
                decoding: CanonicalJSON.encode((try? JSONParser.parse(Array(input.detail))) ?? .object([:])),
                as: UTF8.self
            )
        }
        var envelope: Data?
        if !input.envelope.isEmpty {
            guard let parsed = try? JSONParser.parse(Array(input.envelope)),
                let envelopeID = parsed["op_id"]?.stringValue
            else {
                throw AuditError.invalidEvent("envelope is not a signed-op envelope")
            }
            guard input.opID.isEmpty || input.opID == envelopeID else {
                throw AuditError.invalidEvent("op_id \(input.opID) differs from the envelope's \(envelopeID)")
            }
            envelope = Data(CanonicalJSON.encode(parsed))
        }
        return AuditRow(
            seq: 0,
            ts: input.ts == 0 ? now : input.ts,
            actor: input.actor,
            op: input.op,
            targetRef: input.targetRef,
            targetPath: input.targetPath,
            opID: input.opID,
            requestKey: input.requestKey,
            resultOID: input.resultOid,
            outcome: input.outcome,
            detail: detail,
            envelope: envelope,
            prevHash: "",
            hash: ""
        )
    }
}

/// Why the log refused a call.
enum AuditError: Error, CustomStringConvertible {
    case invalidEvent(String)
    /// A one-shot event (a TOTP window) recorded a second time.
    case alreadyRecorded(String)
    /// A snapshot path outside `backup_dirs`, or one that exists.
    case refusedPath(String)
    case noSuchSeq(UInt64, count: Int64)
    case anchorFailed(String)
    case snapshotFailed(path: String, reason: String)

    var description: String {
        switch self {
        case .invalidEvent(let reason): "event refused: \(reason)"
        case .alreadyRecorded(let what): "event refused: \(what)"
        case .refusedPath(let reason): "snapshot refused: \(reason)"
        case .noSuchSeq(let seq, let count): "no event \(seq): the log holds \(count)"
        case .anchorFailed(let reason): "anchor failed: \(reason)"
        case .snapshotFailed(let path, let reason): "snapshot to \(path) failed: \(reason)"
        }
    }
}
