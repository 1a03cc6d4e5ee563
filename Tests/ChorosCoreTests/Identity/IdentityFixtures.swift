@testable import ChorosCore

/// Keys from fixed seeds, a ledger in memory, and a valid body for every operation type.
enum IdentityFixtures {
    static let alice = SigningKey(seed: [UInt8](repeating: 1, count: 32))
    static let bob = SigningKey(seed: [UInt8](repeating: 2, count: 32))
    static let now: Int64 = 1_718_000_000_000

    static let someOp = "op_" + String(repeating: "ab", count: 32)
    static let otherOp = "op_" + String(repeating: "cd", count: 32)
    static let claimKey = ClaimKey(subject: "lintel", predicate: "prefers").rawValue

    /// A body that passes validation for each type.
    static func validBody(_ type: OperationType) -> [String: JSONValue] {
        switch type {
        case .entryCommit:
            ["key": "k1", "domain": "practice", "slug": "notes", "body": "text", "tags": ["a", "b"]]
        case .proposalAdd:
            ["key": "k1", "proposal_id": "p1", "domain": "meta/log", "slug": "3c", "body": "log", "seq": "3c"]
        case .proposalRetract: ["key": "k1", "proposal_id": "p1", "path": "practice/notes.md"]
        case .proposalClose: ["key": "k1", "proposal_id": "p1", "reason": "superseded by p2"]
        case .messageSend: ["key": "m1", "recipients": ["bob", "practitioner"], "subject": "hello", "body": "hi"]
        case .messageRead: ["message_path": "messages/m1.md", "sender_ref": "refs/cap/perspectives/alice"]
        case .vantageRecord: ["key": "v1", "binds": "practice/notes.md", "horizon": "next land", "kind": "confirmed"]
        case .canonPull: ["canon_tip": .string(String(repeating: "a", count: 40))]
        case .reconcileReport: ["report": "read the diff; nothing contradicts my notes"]
        case .airlockStage, .airlockRevert: ["proposal_id": "p1"]
        case .airlockLand: ["staged_oid_prefix": "deadbeef"]
        case .canonLand:
            ["proposal_id": "p1", "candidate_oid": .string(String(repeating: "b", count: 40)), "channel": "console"]
        case .instanceEnroll, .instanceRevoke: ["name": "alice", "author": .string(alice.author.rawValue)]
        case .evidenceAdd:
            ["source": "instance.observation", "kind": "note", "content": ["text": "seen"], "observed_at": 1]
        case .claimAssert:
            [
                "claim_key": .string(claimKey), "subject": "lintel", "predicate": "prefers", "value": ["v": "tea"],
                "confidence_ppm": 900_000, "deriver": "manual", "deriver_version": "1",
                "inputs": .array([.string(someOp)]),
                "rationale": "observed twice",
            ]
        case .claimRetract: ["target": .string(someOp), "claim_key": .string(claimKey), "reason": "mistaken"]
        case .claimRefute:
            ["target": .string(someOp), "claim_key": .string(claimKey), "reason": "wrong", "scope": "value"]
        case .claimCorrect:
            [
                "target": .string(someOp), "claim_key": .string(claimKey), "corrected_value": ["v": "coffee"],
                "reason": "asked",
            ]
        case .claimInvalidate:
            [
                "target": .string(otherOp), "cause": .string(someOp),
                "path": .array([.string(someOp), .string(otherOp)]),
            ]
        case .explanationRecord:
            [
                "claim": .string(someOp), "claim_key": .string(claimKey), "summary": "because",
                "chain": [["kind": "evidence"]], "generated_by": "claim_explain",
            ]
        case .systemCommit: ["ref": "refs/cap/audit-anchor", "changes": .string(String(repeating: "c", count: 64))]
        }
    }
}

/// A ledger held in memory: the ops executed so far and the enrolled keys.
struct MemoryLedger: OperationLedger {
    var known: Set<OpID> = []
    var registry: InstanceRegistry

    init(enrolling keys: [(String, SigningKey)] = [("alice", IdentityFixtures.alice)]) {
        self.registry =
            (try? InstanceRegistry(
                records: keys.compactMap { name, key in
                    (try? InstanceName(name)).map { InstanceRecord(name: $0, author: key.author, enrolledAt: 0) }
                }
            )) ?? (try! InstanceRegistry())
    }

    func isKnown(_ id: OpID) -> Bool { self.known.contains(id) }
    func record(for author: AuthorID) -> InstanceRecord? { self.registry.record(for: author) }
}
