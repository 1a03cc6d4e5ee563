internal import ChorosCore
internal import ChorosProto
internal import GRDB
internal import SwiftProtobuf

extension ClaimGraph {
    /// Projects audited claim ops, in the order given (the log's), idempotently by op id: a
    /// batch of a cascade's invalidations is one transaction.
    func apply(_ events: [Choros_V1_AuditEvent]) async throws -> (applied: Int, skipped: Int) {
        let ops = try events.map { event throws(ClaimGraphError) in try ClaimOp(event: event) }
        let entries = try await self.unresolvedEntries(of: ops)
        return try await self.pool.write { db in
            var applied = 0
            for op in ops where try Self.node(op.id, in: db) == nil && !(try Self.isRecorded(op, in: db)) {
                try Self.apply(op, entries: entries, in: db)
                applied += 1
            }
            return (applied, ops.count - applied)
        }
    }

    /// Ops that leave no node of their own are recognised by the row they leave, each through
    /// a primary key (an invalidation is one per target and cause).
    private static func isRecorded(_ op: ClaimOp, in db: Database) throws -> Bool {
        let (sql, arguments): (String, StatementArguments)
        switch op.type {
        case .claimRefute:
            (sql, arguments) = ("SELECT 1 FROM claim_suppressions WHERE op_id = ?", [op.id])
        case .claimInvalidate:
            (sql, arguments) = (
                "SELECT 1 FROM claim_invalidations WHERE target = ? AND cause = ?",
                [op.string("target"), op.string("cause")]
            )
        case .explanationRecord:
            (sql, arguments) = ("SELECT 1 FROM claim_explanations WHERE op_id = ?", [op.id])
        case .claimRetract:
            (sql, arguments) = (
                "SELECT 1 FROM claim_nodes WHERE op_id = ? AND cause = ?", [op.string("target"), op.id]
            )
        default:
            return false
        }
        return try Bool.fetchOne(db, sql: sql, arguments: arguments) ?? false
    }

    private static func apply(_ op: ClaimOp, entries: [String: CitedEntry], in db: Database) throws {
        switch op.type {
        case .evidenceAdd:
            try Self.insertNode(
                op,
                kind: "evidence",
                in: db,
                extra: [
                    "value_json": op.json("content"), "source": op.string("source"),
                    "evidence_kind": op.string("kind"),
                ]
            )
        case .claimAssert:
            try Self.insertClaim(op, entries: entries, in: db)
        case .claimRetract:
            try Self.end(op.string("target"), state: "retracted", cause: op.id, reason: op.string("reason"), in: db)
        case .claimRefute:
            try Self.suppress(op, scope: op.string("scope"), in: db)
            try Self.end(op.string("target"), state: "refuted", cause: op.id, reason: op.string("reason"), in: db)
        case .claimCorrect:
            // The correction is an active claim under the same key, asserted by the corrector;
            // the corrected value may not be asserted again.
            try Self.suppress(op, scope: "value", in: db)
            try Self.end(op.string("target"), state: "corrected", cause: op.id, reason: op.string("reason"), in: db)
            let target = try Self.node(op.string("target"), in: db)
            let value = op.json("corrected_value")
            try Self.insertNode(
                op,
                kind: "claim",
                in: db,
                extra: [
                    "claim_key": op.string("claim_key"), "subject": target?["subject"] ?? "",
                    "predicate": target?["predicate"] ?? "", "value_json": value,
                    "value_hash": ClaimOp.valueHash(value), "confidence_ppm": 1_000_000,
                    "corrects": op.string("target"), "reason": op.string("reason"),
                    "deriver": "correction", "rationale": op.string("reason"),
                ]
            )
        case .claimInvalidate:
            try db.execute(
                sql:
                    "INSERT OR IGNORE INTO claim_invalidations(target, cause, op_id, path, seq) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    op.string("target"), op.string("cause"), op.id, op.strings("path").joined(separator: ","), op.seq,
                ]
            )
            try db.execute(
                sql: """
                    UPDATE claim_nodes SET state = 'invalidated', cause = ?
                    WHERE op_id = ? AND state IN ('active', 'superseded', 'retracted')
                    """,
                arguments: [op.string("cause"), op.string("target")]
            )
        case .explanationRecord:
            try db.execute(
                sql: "INSERT OR IGNORE INTO claim_explanations(op_id, claim, author, seq) VALUES (?, ?, ?, ?)",
                arguments: [op.id, op.string("claim"), op.actor, op.seq]
            )
        default:
            break
        }
    }

    private static func insertClaim(_ op: ClaimOp, entries: [String: CitedEntry], in db: Database) throws {
        let value = op.json("value")
        try Self.insertNode(
            op,
            kind: "claim",
            in: db,
            extra: [
                "claim_key": op.string("claim_key"), "subject": op.string("subject"),
                "predicate": op.string("predicate"), "value_json": value, "value_hash": ClaimOp.valueHash(value),
                "confidence_ppm": op.body["confidence_ppm"]?.integerValue ?? 0, "deriver": op.string("deriver"),
                "deriver_version": op.string("deriver_version"), "rationale": op.string("rationale"),
                "supersedes": op.string("supersedes"),
            ]
        )
        for (position, input) in op.strings("inputs").enumerated() {
            if let entry = entries[input] {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO claim_nodes(op_id, kind, author, author_id, ts, seq, state, entry_ref, entry_path)
                        VALUES (?, 'entry', ?, '', ?, ?, 'active', ?, ?)
                        """,
                    arguments: [input, entry.actor, entry.ts, entry.seq, entry.ref, entry.path]
                )
            }
            try db.execute(
                sql: "INSERT OR IGNORE INTO claim_inputs(claim, input, position) VALUES (?, ?, ?)",
                arguments: [op.id, input, position]
            )
        }
        let supersedes = op.string("supersedes")
        if !supersedes.isEmpty {
            try Self.end(supersedes, state: "superseded", cause: op.id, reason: "", in: db)
        }
    }

    private static func insertNode(
        _ op: ClaimOp,
        kind: String,
        in db: Database,
        extra: [String: any DatabaseValueConvertible]
    ) throws {
        var columns: [String: any DatabaseValueConvertible] = [
            "op_id": op.id, "kind": kind, "author": op.actor, "author_id": op.authorID, "ts": op.timestamp,
            "seq": op.seq, "state": "active",
        ]
        columns.merge(extra) { _, new in new }
        let names = columns.keys.sorted()
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO claim_nodes(\(names.joined(separator: ", ")))
                VALUES (\(Array(repeating: "?", count: names.count).joined(separator: ", ")))
                """,
            arguments: StatementArguments(names.map { columns[$0] })
        )
    }

    /// Ends a claim's active life; a refutation or correction also overrides an earlier end.
    private static func end(_ id: String, state: String, cause: String, reason: String, in db: Database) throws {
        let from =
            state == "refuted" || state == "corrected"
            ? "('active', 'superseded', 'retracted', 'invalidated')" : "('active')"
        try db.execute(
            sql: "UPDATE claim_nodes SET state = ?, cause = ?, reason = ? WHERE op_id = ? AND state IN \(from)",
            arguments: [state, cause, reason, id]
        )
    }

    private static func suppress(_ op: ClaimOp, scope: String, in db: Database) throws {
        let target = try Self.node(op.string("target"), in: db)
        let valueHash: String = scope == "value" ? (target?["value_hash"] ?? "") : ""
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO claim_suppressions(op_id, kind, claim_key, scope, value_hash, target, seq)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [op.id, op.type.rawValue, op.string("claim_key"), scope, valueHash, op.string("target"), op.seq]
        )
    }
}
