internal import ChorosProto
package import ChorosWire

/// Why an operation was refused, one case per check of IDENTITY.md, each naming the field.
package enum OperationError: Error, Equatable, CustomStringConvertible, WireErrorConvertible {
    case malformedEnvelope(String)
    case missingField(String)
    case unsupportedVersion(String)
    case unknownType(String)
    case malformedAuthor(String)
    case invalidTimestamp(String)
    case malformedPrevious(String)
    case unknownPrevious(String)
    case invalidBody(type: String, BodyError)
    case malformedSignature
    case malformedOpID(String)
    case opIDMismatch(claimed: String, computed: String)
    case weakPublicKey(String)
    case nonCanonicalSignature
    case badSignature(author: String)
    case unenrolledAuthor(String)
    case revokedAuthor(name: String, revokedAt: Int64)
    case staleTimestamp(timestamp: Int64, now: Int64, windowMilliseconds: Int64)
    case malformedDeployment(String)
    case wrongDeployment(found: String?, expected: String)

    package var description: String {
        switch self {
        case .malformedEnvelope(let reason): "envelope is not valid canonical-subset JSON: \(reason)"
        case .missingField(let field): "envelope field '\(field)' is missing"
        case .unsupportedVersion(let found): "envelope 'v' must be 1, got \(found)"
        case .unknownType(let found): "envelope 'type' \(found) is not a known operation type"
        case .malformedAuthor(let found): "envelope 'author' must be mnk_ + 64 lowercase hex, got \(found)"
        case .invalidTimestamp(let found): "envelope 'ts' must be a non-negative integer (unix ms), got \(found)"
        case .malformedPrevious(let found): "envelope 'prev' must be a list of op ids, got \(found)"
        case .unknownPrevious(let id): "envelope 'prev' names \(id), which is not a known operation"
        case .invalidBody(let type, let error): "body of \(type) is invalid: \(error)"
        case .malformedSignature: "envelope 'sig' must be 128 lowercase hex digits"
        case .malformedOpID(let found): "envelope 'op_id' must be op_ + 64 lowercase hex, got \(found)"
        case .opIDMismatch(let claimed, let computed):
            "envelope 'op_id' is \(claimed) but the envelope hashes to \(computed)"
        case .weakPublicKey(let author):
            "envelope 'author' \(author) is not a valid Ed25519 key (small order or off the curve)"
        case .nonCanonicalSignature: "envelope 'sig' is not canonical (S ≥ L)"
        case .badSignature(let author): "envelope 'sig' does not verify for \(author)"
        case .unenrolledAuthor(let author): "author \(author) is not enrolled"
        case .revokedAuthor(let name, let revokedAt): "author '\(name)' was revoked at \(revokedAt)"
        case .malformedDeployment(let found): "envelope 'dep' must be 32 lowercase hex digits, got \(found)"
        case .wrongDeployment(let found?, let expected):
            "envelope 'dep' names deployment \(found), not this one (\(expected)): an op is good in one deployment only"
        case .wrongDeployment(nil, let expected):
            "envelope 'dep' is missing: ops must name this deployment (\(expected))"
        case .staleTimestamp(let timestamp, let now, let window):
            "envelope 'ts' \(timestamp) is \(abs(now - timestamp) / 1000) s from server time \(now); the window is ±\(window / 1000) s"
        }
    }

    package var rpcError: RPCError {
        switch self {
        case .badSignature, .nonCanonicalSignature, .weakPublicKey, .unenrolledAuthor:
            RPCError(code: .unauthenticated, message: self.description)
        case .revokedAuthor, .wrongDeployment:
            RPCError(code: .permissionDenied, message: self.description)
        case .unknownPrevious, .staleTimestamp:
            RPCError(code: .failedPrecondition, message: self.description)
        default:
            RPCError(code: .invalidArgument, message: self.description)
        }
    }
}
