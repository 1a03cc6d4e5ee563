package import ChorosCore
internal import ChorosProto
package import ChorosWire

/// Why the store refused or failed a call. The one place store errors map to wire codes.
package enum StoreError: Error, CustomStringConvertible, WireErrorConvertible {
    case invalidPath(EntryPathError)
    case invalidRef(String, reason: String)
    case invalidRequestKey(String)
    case noSuchRef(String)
    case noSuchCommit(String)
    case noSuchPath(path: String, rev: String)
    case canonIsLandOnly(String)
    case refExists(ref: String, actual: String)
    case staleParent(ref: String, expected: String, actual: String)
    case noParent(ref: String, expected: String)
    case lostRace(ref: String)
    /// A ref's lock file exists while this store, the repository's only writer, is not
    /// writing it: something outside the store holds it (a stale lock is cleared at start).
    case refLocked(ref: String)
    case conflicts([String])
    case removesCanon([String])
    case canonMoved(expected: String, actual: String)
    case notACandidate(String)
    case approvalRefused(String)
    /// The signed op does not authorize this write (TRUST.md, rule 2).
    case unauthorized(String)
    case deadlinePassed(String)
    case tagMoved(name: String, existing: String, requested: String)
    case canonExists(String)
    case pushRejected([String: String])
    case remoteFailed(remote: String, reason: String)
    case git(GitError)
    /// An entry rule (kip_commit's) refused the change; the gateway reports it as its gate.
    case immutable(path: String, reason: String)
    case differentAct(key: String, commit: String, ref: String)
    case tooMany(what: String, count: Int, limit: Int)

    package var description: String {
        switch self {
        case .invalidPath(let error): "\(error)"
        case .invalidRef(let ref, let reason): "ref '\(ref)' is invalid: \(reason)"
        case .invalidRequestKey(let key):
            "request_key \(key.debugDescription) is invalid: it must be 1–128 letters, digits, '.', '_', ':' or '-'"
        case .noSuchRef(let ref): "no such ref: \(ref)"
        case .noSuchCommit(let oid): "no such commit: \(oid)"
        case .noSuchPath(let path, let rev): "no such path: \(path) at \(rev)"
        case .canonIsLandOnly(let ref): "\(ref) is canon: it advances only via land"
        case .refExists(let ref, let actual): "\(ref) already exists at \(actual) (expected it absent: create-only)"
        case .staleParent(let ref, let expected, let actual): "\(ref) is at \(actual), not the expected \(expected)"
        case .noParent(let ref, let expected): "\(ref) does not exist (expected it at \(expected))"
        case .lostRace(let ref): "\(ref) moved while committing; re-read it and retry"
        case .refLocked(let ref):
            "\(ref) is locked by something other than the store (\(ref).lock exists in the repository); a restart of choros-store clears a stale lock"
        case .conflicts(let paths): "merge conflicts in: \(paths.joined(separator: ", "))"
        case .removesCanon(let paths):
            "the merge would remove canon paths (canon is append-only): \(paths.joined(separator: ", "))"
        case .canonMoved(let expected, let actual):
            "canon moved since prepare: it is at \(actual), the candidate builds on \(expected)"
        case .notACandidate(let oid): "\(oid) is not a prepared merge candidate (it needs two parents)"
        case .approvalRefused(let reason): "approval refused: \(reason)"
        case .unauthorized(let reason): "write refused: \(reason)"
        case .deadlinePassed(let what): what
        case .tagMoved(let name, let existing, let requested):
            "tag \(name) already points at \(existing), not \(requested): tags never move"
        case .canonExists(let oid): "canon already exists at \(oid): bootstrap runs once"
        case .pushRejected(let refs):
            "push refused for: "
                + refs.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
        case .remoteFailed(let remote, let reason): "remote \(remote) failed: \(reason)"
        case .git(let error): "\(error)"
        case .immutable(let path, let reason): "'\(path)' \(reason)"
        case .differentAct(let key, let commit, let ref):
            "op_id '\(key)' already names a different act (commit \(commit.prefix(12)) on \(ref))"
        case .tooMany(let what, let count, let limit): "\(count) \(what) asked for at once; at most \(limit)"
        }
    }

    package var rpcError: RPCError {
        switch self {
        case .invalidPath, .invalidRef, .invalidRequestKey, .notACandidate:
            RPCError(code: .invalidArgument, message: self.description)
        case .noSuchRef(let ref):
            RPCError(code: .notFound, message: self.description, details: ["kind": "ref", "ref": ref])
        case .noSuchCommit(let oid):
            RPCError(code: .notFound, message: self.description, details: ["kind": "commit", "oid": oid])
        case .noSuchPath(let path, _):
            RPCError(code: .notFound, message: self.description, details: ["kind": "path", "path": path])
        case .canonIsLandOnly, .approvalRefused, .unauthorized:
            RPCError(code: .permissionDenied, message: self.description)
        case .refExists(_, let actual), .staleParent(_, _, let actual):
            RPCError(code: .aborted, message: self.description, details: ["actual": actual])
        case .noParent, .lostRace, .canonMoved:
            RPCError(code: .aborted, message: self.description)
        case .conflicts, .removesCanon, .canonExists, .pushRejected, .refLocked:
            RPCError(code: .failedPrecondition, message: self.description)
        case .tagMoved:
            RPCError(code: .alreadyExists, message: self.description)
        case .immutable:
            RPCError(
                code: .failedPrecondition,
                message: self.description,
                details: ["gate": Refusal.Gate.kipCommitImmutable.name]
            )
        case .differentAct:
            RPCError(code: .alreadyExists, message: self.description, details: ["gate": Refusal.Gate.idempotency.name])
        case .deadlinePassed:
            RPCError(code: .deadlineExceeded, message: self.description)
        case .tooMany:
            RPCError(code: .resourceExhausted, message: self.description)
        case .remoteFailed:
            RPCError(code: .unavailable, message: self.description)
        case .git:
            // libgit2's own text stays in the log; the caller learns only that git failed.
            RPCError(code: .internal, message: "the repository operation failed")
        }
    }
}
