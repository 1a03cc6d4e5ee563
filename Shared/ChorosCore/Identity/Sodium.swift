internal import CSodium

/// The libsodium primitives Choros uses, and nothing hand-written: BLAKE2b-256 and Ed25519
/// (strict verification: non-canonical signatures and small-order keys are refused).
enum Sodium {
    private static let ready: Bool = sodium_init() >= 0

    /// libsodium could not initialize (no entropy source): nothing can be signed.
    static func ensureReady() throws(SodiumError) {
        guard self.ready else { throw .initializationFailed }
    }

    /// BLAKE2b with a 32-byte digest.
    static func blake2b256(_ bytes: [UInt8]) -> [UInt8] {
        _ = self.ready
        var digest = [UInt8](repeating: 0, count: 32)
        _ = crypto_generichash(&digest, 32, bytes, UInt64(bytes.count), nil, 0)
        return digest
    }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        _ = self.ready
        var digest = [UInt8](repeating: 0, count: 32)
        _ = crypto_hash_sha256(&digest, bytes, UInt64(bytes.count))
        return digest
    }

    /// A key pair from a 32-byte seed: (public key, 64-byte secret key).
    static func keyPair(seed: [UInt8]) -> (publicKey: [UInt8], secretKey: [UInt8]) {
        precondition(seed.count == 32, "an Ed25519 seed is 32 bytes")
        _ = self.ready
        var publicKey = [UInt8](repeating: 0, count: 32)
        var secretKey = [UInt8](repeating: 0, count: 64)
        _ = crypto_sign_seed_keypair(&publicKey, &secretKey, seed)
        return (publicKey, secretKey)
    }

    static func randomBytes(_ count: Int) throws(SodiumError) -> [UInt8] {
        try self.ensureReady()
        var bytes = [UInt8](repeating: 0, count: count)
        randombytes_buf(&bytes, count)
        return bytes
    }

    static func sign(_ message: [UInt8], secretKey: [UInt8]) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: 64)
        _ = crypto_sign_detached(&signature, nil, message, UInt64(message.count), secretKey)
        return signature
    }

    static func verify(_ signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == 64, publicKey.count == 32 else { return false }
        return crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) == 0
    }

    /// A public key on the curve, canonically encoded, in the main subgroup, not small order.
    static func isValidPublicKey(_ publicKey: [UInt8]) -> Bool {
        publicKey.count == 32 && crypto_core_ed25519_is_valid_point(publicKey) == 1
    }

    /// Whether the signature's S half is a canonical scalar (S < L): reducing it mod L
    /// changes nothing.
    static func hasCanonicalScalar(_ signature: [UInt8]) -> Bool {
        guard signature.count == 64 else { return false }
        let scalar = Array(signature[32...])
        var reduced = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_reduce(&reduced, scalar + [UInt8](repeating: 0, count: 32))
        return reduced == scalar
    }
}

enum SodiumError: Error, CustomStringConvertible {
    case initializationFailed

    var description: String { "libsodium failed to initialize" }
}
