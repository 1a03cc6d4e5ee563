/// What a gateway handshake proof signs (IDENTITY.md): both sides' nonces under a fixed
/// context, so a proof is good for one connection's challenge and nothing else.
package enum HandshakeProof {
    package static let context = Array("choros-handshake-v1\n".utf8)
    package static let nonceBytes = 32

    package static func message(serverNonce: [UInt8], clientNonce: [UInt8]) -> [UInt8] {
        Self.context + serverNonce + clientNonce
    }

    /// A fresh 32-byte nonce from libsodium's CSPRNG.
    package static func nonce() throws -> [UInt8] {
        try Sodium.randomBytes(Self.nonceBytes)
    }

    package static func sign(serverNonce: [UInt8], clientNonce: [UInt8], key: SigningKey) -> [UInt8] {
        key.sign(Self.message(serverNonce: serverNonce, clientNonce: clientNonce))
    }
}
