internal import ChorosCore
internal import ChorosProto
internal import GRDB
internal import SwiftProtobuf

/// A claim op the graph refuses, with the gate and status the caller sees.
struct ClaimRefusal: Error, Sendable {
    var gate: String
    var code: Choros_V1_Code
    var reason: String
}

extension ClaimGraph {
    /// The graph's rules for a verified op about to be audited (CLAIMS.md, "Rules"): what it
    /// names must exist, suppressed keys and values stay suppressed, inputs must be believed,
    /// and an instance retracts or supersedes only its own claims.
    func check(_ op: ClaimOp) async throws -> ClaimRefusal? {
        let entries = try await self.unresolvedEntries(of: [op])
        return try await self.pool.read { db in
            switch op.type {
            case .claimAssert: try Self.checkAssert(op, entries: entries, in: db)
            case .claimRetract: try Self.checkRetract(op, in: db)
            case .claimRefute, .claimCorrect: try Self.checkJudgement(op, in: db)
            case .claimInvalidate: try Self.checkInvalidate(op, in: db)
            case .explanationRecord: try Self.checkTarget(op.string("claim"), key: op.string("claim_key"), in: db)
            default: nil
            }
        }
    }

    private static func checkAssert(
        _ op: ClaimOp,
        entries: [String: CitedEntry],
        in db: Database
    ) throws
        -> ClaimRefusal?
    {
        let key = op.string("claim_key")
        if let refute = try String.fetchOne(
            db,
            sql: "SELECT op_id FROM claim_suppressions WHERE claim_key = ? AND scope = 'key' ORDER BY seq LIMIT 1",
            arguments: [key]
        ) {
            return ClaimRefusal(
                gate: "claim.suppressed",
                code: .failedPrecondition,
                reason: "claim key \(key) was refuted with scope 'key' by \(refute): nothing may be believed under it"
            )
        }
        let valueHash = ClaimOp.valueHash(op.json("value"))
        if let refute = try Row.fetchOne(
            db,
            sql: """
                SELECT op_id, kind FROM claim_suppressions
                WHERE claim_key = ? AND scope = 'value' AND value_hash = ? ORDER BY seq LIMIT 1
                """,
            arguments: [key, valueHash]
        ) {
            let id: String = refute["op_id"]
            let kind: String = refute["kind"]
            return ClaimRefusal(
                gate: "claim.suppressed",
                code: .failedPrecondition,
                reason:
                    "this value under \(key) was \(kind == "claim.correct" ? "corrected" : "refuted") by \(id): it may not be asserted again"
            )
        }
        for input in op.strings("inputs") {
            if entries[input] != nil { continue }
            guard let node = try Self.node(input, in: db) else {
                return ClaimRefusal(
                    gate: "claim.inputs",
                    code: .notFound,
                    reason: "input \(input) is no evidence, claim or entry-committing op (inputs must exist already)"
                )
            }
            let state: String = node["state"]
            if ["refuted", "corrected", "invalidated"].contains(state) {
                let cause: String = node["cause"]
                return ClaimRefusal(
                    gate: "claim.inputs",
                    code: .failedPrecondition,
                    reason: "input \(input) is \(state) (by \(cause)): a claim may not be derived from it"
                )
            }
        }
        let supersedes = op.string("supersedes")
        if !supersedes.isEmpty {
            guard let node = try Self.node(supersedes, in: db), node["kind"] == "claim",
                node["author_id"] == op.authorID
            else {
                return ClaimRefusal(
                    gate: "claim.supersedes",
                    code: .notFound,
                    reason: "supersedes \(supersedes) is not an earlier claim of yours"
                )
            }
        }
        return nil
    }

    private static func checkRetract(_ op: ClaimOp, in db: Database) throws -> ClaimRefusal? {
        if let refusal = try Self.checkTarget(op.string("target"), key: op.string("claim_key"), in: db) {
            return refusal
        }
        let node = try Self.node(op.string("target"), in: db)
        guard node?["author_id"] == op.authorID else {
            return ClaimRefusal(
                gate: "claim.retract",
                code: .permissionDenied,
                reason:
                    "\(op.string("target")) is \(node?["author"] ?? "another author")'s claim: you retract only your own"
            )
        }
        guard node?["state"] == "active" else {
            return ClaimRefusal(
                gate: "claim.retract",
                code: .failedPrecondition,
                reason: "\(op.string("target")) is already \(node?["state"] ?? "ended")"
            )
        }
        return nil
    }

    private static func checkJudgement(_ op: ClaimOp, in db: Database) throws -> ClaimRefusal? {
        try Self.checkTarget(op.string("target"), key: op.string("claim_key"), in: db)
    }

    private static func checkInvalidate(_ op: ClaimOp, in db: Database) throws -> ClaimRefusal? {
        if let refusal = try Self.checkTarget(op.string("target"), key: nil, in: db) { return refusal }
        guard
            try Bool.fetchOne(
                db,
                sql: "SELECT 1 FROM claim_suppressions WHERE op_id = ?",
                arguments: [op.string("cause")]
            ) ?? false
        else {
            return ClaimRefusal(
                gate: "claim.invalidate",
                code: .notFound,
                reason: "cause \(op.string("cause")) is not a claim.refute or claim.correct"
            )
        }
        return nil
    }

    /// The op names a claim, under the key it gives.
    private static func checkTarget(_ id: String, key: String?, in db: Database) throws -> ClaimRefusal? {
        guard let node = try Self.node(id, in: db), node["kind"] == "claim" else {
            return ClaimRefusal(gate: "claim.target", code: .notFound, reason: "\(id) is not a claim")
        }
        if let key, node["claim_key"] != key {
            let actual: String = node["claim_key"]
            return ClaimRefusal(
                gate: "claim.target",
                code: .invalidArgument,
                reason: "claim_key \(key) is not the key of \(id) (\(actual))"
            )
        }
        return nil
    }
}
