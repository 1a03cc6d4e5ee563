/// What a gateway handshake proof signs (IDENTITY.md, TRUST.md rule 7): the deployment's id
/// and both sides' nonces under a fixed context, so a proof is good for one connection's
/// challenge in one deployment and nothing else.
package enum HandshakeProof {
    package static let context = Array("choros-handshake-v2\n".utf8)
    package static let nonceBytes = 32

    package static func message(deployment: String, serverNonce: [UInt8], clientNonce: [UInt8]) -> [UInt8] {
        Self.context + Array(deployment.utf8) + [0x0A] + serverNonce + clientNonce
    }

    /// A fresh 32-byte nonce from libsodium's CSPRNG.
    package static func nonce() throws -> [UInt8] {
        try Sodium.randomBytes(Self.nonceBytes)
    }

    package static func sign(deployment: String, serverNonce: [UInt8], clientNonce: [UInt8], key: SigningKey) -> [UInt8]
    {
        key.sign(Self.message(deployment: deployment, serverNonce: serverNonce, clientNonce: clientNonce))
    }
}
