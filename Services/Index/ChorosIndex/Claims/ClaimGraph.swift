internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import GRDB
internal import SwiftProtobuf

/// The claims graph in the index database: nodes (evidence, claims, cited entries), input
/// edges, suppressions (refutes and corrections), invalidations and recorded explanations.
struct ClaimGraph: Sendable {
    let pool: DatabasePool
    /// Where an input that is not a claim or evidence is looked up: the op that committed
    /// an entry, by its audit event.
    let audit: AuditClient

    /// A cited entry, as its committing op's audit event places it.
    struct CitedEntry: Sendable {
        var opID: String
        var actor: String
        var ref: String
        var path: String
        var ts: Int64
        var seq: Int64
    }

    /// The entry an op committed, or nil when the op committed none (or does not exist).
    func citedEntry(_ opID: String) async throws -> CitedEntry? {
        let events = try await self.audit.call(AuditRPC.find, .with { $0.opID = opID }).events
        guard
            let event = events.first(where: {
                ClaimOp.entryOps.contains($0.op) && $0.outcome == "ok" && !$0.targetPath.isEmpty
            })
        else { return nil }
        return CitedEntry(
            opID: opID,
            actor: event.actor,
            ref: event.targetRef,
            path: event.targetPath,
            ts: event.ts,
            seq: Int64(event.seq)
        )
    }

    /// Inputs of `ops` that are not nodes yet, resolved as cited entries where they are.
    func unresolvedEntries(of ops: [ClaimOp]) async throws -> [String: CitedEntry] {
        // Inputs made earlier in the same batch are nodes by the time they are cited.
        let inputs = Set(ops.filter { $0.type == .claimAssert }.flatMap { $0.strings("inputs") })
            .subtracting(ops.map(\.id))
        guard !inputs.isEmpty else { return [:] }
        let known = try await self.pool.read { db in
            try Set(inputs.filter { try Self.node($0, in: db) != nil })
        }
        var entries: [String: CitedEntry] = [:]
        for input in inputs.subtracting(known).sorted() {
            if let entry = try await self.citedEntry(input) { entries[input] = entry }
        }
        return entries
    }

    static func node(_ id: String, in db: Database) throws -> Row? {
        try Row.fetchOne(db, sql: "SELECT * FROM claim_nodes WHERE op_id = ?", arguments: [id])
    }

    /// Claims listing `id` among their inputs: the edge the cascade and lineage walk.
    static func dependents(of id: String, in db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT claim FROM claim_inputs WHERE input = ? ORDER BY claim", arguments: [id])
    }

    static func inputs(of id: String, in db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: "SELECT input FROM claim_inputs WHERE claim = ? ORDER BY position",
            arguments: [id]
        )
    }

    /// The node as the wire shows it, with its inputs, its entry-superseded flag and, for an
    /// invalidated claim, the first invalidation's path.
    static func proto(_ row: Row, in db: Database) throws -> Choros_V1_ClaimNode {
        let id: String = row["op_id"]
        var node = Choros_V1_ClaimNode()
        node.opID = id
        node.kind = row["kind"]
        node.author = row["author"]
        node.authorID = row["author_id"]
        node.ts = row["ts"]
        node.auditSeq = UInt64(row["seq"] as Int64)
        node.state = row["state"]
        node.cause = row["cause"]
        node.reason = row["reason"]
        node.claimKey = row["claim_key"]
        node.subject = row["subject"]
        node.predicate = row["predicate"]
        node.valueJson = row["value_json"]
        node.confidencePpm = row["confidence_ppm"]
        node.deriver = row["deriver"]
        node.deriverVersion = row["deriver_version"]
        node.rationale = row["rationale"]
        node.corrects = row["corrects"]
        node.supersedes = row["supersedes"]
        node.source = row["source"]
        node.evidenceKind = row["evidence_kind"]
        node.entryRef = row["entry_ref"]
        node.entryPath = row["entry_path"]
        if node.kind == "claim" {
            node.inputs = try Self.inputs(of: id, in: db)
            node.inputSuperseded = try Self.citesSupersededEntry(id, in: db)
        }
        if node.state == "invalidated",
            let path = try String.fetchOne(
                db,
                sql: "SELECT path FROM claim_invalidations WHERE target = ? ORDER BY seq LIMIT 1",
                arguments: [id]
            )
        {
            node.causePath = path.split(separator: ",").map(String.init)
        }
        return node
    }

    /// Whether a claim cites an entry that is superseded now, in canon or on the ref it was
    /// committed to. Worked out when asked, so a land that supersedes needs no graph update.
    static func citesSupersededEntry(_ id: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT 1 FROM claim_inputs i
                JOIN claim_nodes n ON n.op_id = i.input AND n.kind = 'entry'
                JOIN entries e ON e.path = n.entry_path AND (e.is_canon = 1 OR e.ref = n.entry_ref)
                WHERE i.claim = ? AND e.status = 'superseded' LIMIT 1
                """,
            arguments: [id]
        ) ?? false
    }

    func clear() async throws {
        try await self.pool.write { db in try ClaimTables.clear(db) }
    }
}
