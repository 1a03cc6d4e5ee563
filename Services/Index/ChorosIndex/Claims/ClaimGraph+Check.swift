internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import GRDB
internal import SwiftProtobuf

extension ClaimGraph {
    /// The graph's rules for a verified op about to be audited (CLAIMS.md, "Rules"): what it
    /// names must exist, suppressed keys and values stay suppressed, inputs must be believed,
    /// and an instance retracts or supersedes only its own claims.
    func check(_ op: ClaimOp) async throws -> Refusal? {
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
        -> Refusal?
    {
        let key = op.string("claim_key")
        if let refute = try String.fetchOne(
            db,
            sql: "SELECT op_id FROM claim_suppressions WHERE claim_key = ? AND scope = 'key' ORDER BY seq LIMIT 1",
            arguments: [key]
        ) {
            return Refusal(
                .claimSuppressed,
                .failedPrecondition,
                "claim key \(key) was refuted with scope 'key' by \(refute): nothing may be believed under it"
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
            return Refusal(
                .claimSuppressed,
                .failedPrecondition,
                "this value under \(key) was \(kind == "claim.correct" ? "corrected" : "refuted") by \(id): it may not be asserted again"
            )
        }
        for input in op.strings("inputs") {
            if entries[input] != nil { continue }
            guard let node = try Self.node(input, in: db) else {
                return Refusal(
                    .claimInputs,
                    .notFound,
                    "input \(input) is no evidence, claim or entry-committing op (inputs must exist already)"
                )
            }
            let state: String = node["state"]
            if ["refuted", "corrected", "invalidated"].contains(state) {
                let cause: String = node["cause"]
                return Refusal(
                    .claimInputs,
                    .failedPrecondition,
                    "input \(input) is \(state) (by \(cause)): a claim may not be derived from it"
                )
            }
        }
        let supersedes = op.string("supersedes")
        if !supersedes.isEmpty {
            guard let node = try Self.node(supersedes, in: db), node["kind"] == "claim",
                node["author_id"] == op.authorID
            else {
                return Refusal(
                    .claimSupersedes,
                    .notFound,
                    "supersedes \(supersedes) is not an earlier claim of yours"
                )
            }
        }
        return nil
    }

    private static func checkRetract(_ op: ClaimOp, in db: Database) throws -> Refusal? {
        if let refusal = try Self.checkTarget(op.string("target"), key: op.string("claim_key"), in: db) {
            return refusal
        }
        let node = try Self.node(op.string("target"), in: db)
        guard node?["author_id"] == op.authorID else {
            return Refusal(
                .claimRetract,
                .permissionDenied,
                "\(op.string("target")) is \(node?["author"] ?? "another author")'s claim: you retract only your own"
            )
        }
        guard node?["state"] == "active" else {
            return Refusal(
                .claimRetract,
                .failedPrecondition,
                "\(op.string("target")) is already \(node?["state"] ?? "ended")"
            )
        }
        return nil
    }

    private static func checkJudgement(_ op: ClaimOp, in db: Database) throws -> Refusal? {
        try Self.checkTarget(op.string("target"), key: op.string("claim_key"), in: db)
    }

    private static func checkInvalidate(_ op: ClaimOp, in db: Database) throws -> Refusal? {
        if let refusal = try Self.checkTarget(op.string("target"), key: nil, in: db) { return refusal }
        guard
            try Bool.fetchOne(
                db,
                sql: "SELECT 1 FROM claim_suppressions WHERE op_id = ?",
                arguments: [op.string("cause")]
            ) ?? false
        else {
            return Refusal(
                .claimInvalidate,
                .notFound,
                "cause \(op.string("cause")) is not a claim.refute or claim.correct"
            )
        }
        return nil
    }

    /// The op names a claim, under the key it gives.
    private static func checkTarget(_ id: String, key: String?, in db: Database) throws -> Refusal? {
        guard let node = try Self.node(id, in: db), node["kind"] == "claim" else {
            return Refusal(.claimTarget, .notFound, "\(id) is not a claim")
        }
        if let key, node["claim_key"] != key {
            let actual: String = node["claim_key"]
            return Refusal(
                .claimTarget,
                .invalidArgument,
                "claim_key \(key) is not the key of \(id) (\(actual))"
            )
        }
        return nil
    }
}
