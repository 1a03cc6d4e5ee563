package import ChorosCore
internal import ChorosProto
package import ChorosWire

/// A connection's identity, as a value state machine: unbound until Hello, challenged until
/// Prove, then bound to one key until the connection closes.
package enum SessionState: Sendable {
    package struct Challenge: Sendable {
        package let author: AuthorID
        package let clientNonce: [UInt8]
        package let serverNonce: [UInt8]

        package init(author: AuthorID, clientNonce: [UInt8], serverNonce: [UInt8]) {
            self.author = author
            self.clientNonce = clientNonce
            self.serverNonce = serverNonce
        }
    }

    case unbound
    case challenged(Challenge)
    case bound(AuthorID)

    /// Hello: only an unbound (or re-challenged) connection may ask for a challenge.
    package mutating func challenge(_ challenge: Challenge) throws(Refusal) {
        if case .bound(let author) = self {
            throw Refusal(.handshake, .failedPrecondition, "this connection is already bound to \(author)")
        }
        self = .challenged(challenge)
    }

    /// Prove: consumes the outstanding challenge whatever the outcome, so a proof is
    /// accepted at most once.
    package mutating func takeChallenge() throws(Refusal) -> Challenge {
        guard case .challenged(let challenge) = self else {
            throw Refusal(.handshake, .failedPrecondition, "no challenge is outstanding: call Hello first")
        }
        self = .unbound
        return challenge
    }

    package var boundAuthor: AuthorID? {
        if case .bound(let author) = self { return author }
        return nil
    }
}
