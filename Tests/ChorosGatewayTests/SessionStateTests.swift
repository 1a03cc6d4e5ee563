import ChorosCore
import ChorosWire
import Testing

@testable import ChorosGateway

@Suite("Handshake state")
struct SessionStateTests {
    private func challenge() throws -> SessionState.Challenge {
        let key = try SigningKey.generate()
        return .init(
            author: key.author,
            clientNonce: try HandshakeProof.nonce(),
            serverNonce: try HandshakeProof.nonce()
        )
    }

    @Test("a challenge is taken once: a second Prove finds none")
    func challengeIsSingleUse() throws {
        var state = SessionState.unbound
        try state.challenge(try self.challenge())
        _ = try state.takeChallenge()
        #expect(throws: Refusal.self) { try state.takeChallenge() }
    }

    @Test("a bound connection cannot be re-challenged")
    func boundRefusesHello() throws {
        let key = try SigningKey.generate()
        var state = SessionState.bound(key.author)
        #expect(throws: Refusal.self) { try state.challenge(try self.challenge()) }
        #expect(state.boundAuthor == key.author)
    }

    @Test("Prove without Hello is refused")
    func proveNeedsHello() {
        var state = SessionState.unbound
        #expect(throws: Refusal.self) { try state.takeChallenge() }
    }
}
