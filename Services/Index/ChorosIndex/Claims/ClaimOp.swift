internal import ChorosCore
internal import ChorosProto
internal import Foundation

/// A claim op as the graph reads it: the envelope's type, signer and body, plus where the
/// audit log put it. The gateway and the airlock verified it before auditing it; the graph
/// re-checks only its integrity (a bad envelope is never projected).
struct ClaimOp: Sendable {
    /// The op types the graph projects, in the audit log's vocabulary.
    static let types: [OperationType] = [
        .evidenceAdd, .claimAssert, .claimRetract, .claimRefute, .claimCorrect, .claimInvalidate,
        .explanationRecord,
    ]
    /// Ops whose id names an entry: "the op that committed an entry" (CLAIMS.md).
    static let entryOps: Set<String> = [OperationType.entryCommit.rawValue, OperationType.proposalAdd.rawValue]

    let id: String
    let type: OperationType
    let authorID: String
    /// The enrolled name the audit event gives the signer.
    let actor: String
    let timestamp: Int64
    let body: [String: JSONValue]
    let seq: Int64

    init(envelope: [UInt8], actor: String, seq: Int64) throws(ClaimGraphError) {
        let operation: SignedOperation
        do { operation = try OperationVerifier.verifyIntegrity(json: envelope) } catch {
            throw .badEnvelope(seq: seq, reason: error.description)
        }
        guard Self.types.contains(operation.type) else {
            throw .notAClaimOp(seq: seq, type: operation.type.rawValue)
        }
        self.id = operation.id.rawValue
        self.type = operation.type
        self.authorID = operation.author.rawValue
        self.actor = actor
        self.timestamp = operation.timestamp
        self.body = operation.body
        self.seq = seq
    }

    init(event: Choros_V1_AuditEvent) throws(ClaimGraphError) {
        try self.init(envelope: Array(event.envelope), actor: event.actor, seq: Int64(event.seq))
    }

    func string(_ field: String) -> String { self.body[field]?.stringValue ?? "" }
    func strings(_ field: String) -> [String] { self.body[field]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    func json(_ field: String) -> String {
        self.body[field].map { String(decoding: CanonicalJSON.encode($0), as: UTF8.self) } ?? ""
    }

    /// The value a suppression compares: the hash of its canonical JSON.
    static func valueHash(_ json: String) -> String { Digest.sha256Hex(Array(json.utf8)) }
}

/// Why the graph refused to project or answer.
enum ClaimGraphError: Error, CustomStringConvertible {
    case badEnvelope(seq: Int64, reason: String)
    case notAClaimOp(seq: Int64, type: String)
    case unknownNode(String)
    case notACause(String)

    var description: String {
        switch self {
        case .badEnvelope(let seq, let reason): "audit event \(seq) carries no valid claim envelope: \(reason)"
        case .notAClaimOp(let seq, let type): "audit event \(seq) is a \(type) op, not a claim op"
        case .unknownNode(let id): "no evidence, claim or cited entry \(id) in the claims graph"
        case .notACause(let id): "\(id) is not a claim.refute or claim.correct in the claims graph"
        }
    }
}
