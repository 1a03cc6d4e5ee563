/// `mnk_` + 64 lowercase hex: an Ed25519 public key, the identity that signs.
package struct AuthorID: Sendable, Hashable, CustomStringConvertible {
    package let publicKey: [UInt8]

    package init(publicKey: [UInt8]) {
        precondition(publicKey.count == 32, "an Ed25519 public key is 32 bytes")
        self.publicKey = publicKey
    }

    /// - Throws: `IdentifierError.malformed` unless `text` is `mnk_` + 64 lowercase hex.
    package init(parsing text: String) throws(IdentifierError) {
        self.publicKey = try Hex.decodeIdentifier(text, prefix: "mnk_")
    }

    package var rawValue: String { "mnk_" + Hex.encode(self.publicKey) }
    package var description: String { self.rawValue }

    /// Whether `signature` is this key's strict Ed25519 signature over `message`.
    package func verifies(_ signature: [UInt8], over message: [UInt8]) -> Bool {
        Sodium.isValidPublicKey(self.publicKey) && Sodium.hasCanonicalScalar(signature)
            && Sodium.verify(signature, message: message, publicKey: self.publicKey)
    }
}

/// `op_` + 64 lowercase hex: BLAKE2b-256 of an envelope's canonical form without `op_id`.
package struct OpID: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let digest: [UInt8]

    package init(digest: [UInt8]) {
        precondition(digest.count == 32, "an op id is a 32-byte digest")
        self.digest = digest
    }

    package init(parsing text: String) throws(IdentifierError) {
        self.digest = try Hex.decodeIdentifier(text, prefix: "op_")
    }

    package var rawValue: String { "op_" + Hex.encode(self.digest) }
    package var description: String { self.rawValue }

    package static func < (lhs: OpID, rhs: OpID) -> Bool { lhs.digest.lexicographicallyPrecedes(rhs.digest) }
}

/// `ck_` + 64 lowercase hex: BLAKE2b-256 of canonical `{"predicate":…,"subject":…}`.
package struct ClaimKey: Sendable, Hashable, CustomStringConvertible {
    package let digest: [UInt8]

    package init(subject: String, predicate: String) {
        let canonical = CanonicalJSON.encode(["predicate": .string(predicate), "subject": .string(subject)])
        self.digest = Sodium.blake2b256(canonical)
    }

    package init(parsing text: String) throws(IdentifierError) {
        self.digest = try Hex.decodeIdentifier(text, prefix: "ck_")
    }

    package var rawValue: String { "ck_" + Hex.encode(self.digest) }
    package var description: String { self.rawValue }
}

package enum IdentifierError: Error, Equatable, CustomStringConvertible {
    case malformed(String, expected: String)

    package var description: String {
        switch self {
        case .malformed(let text, let expected): "'\(text.prefix(80))' is not \(expected)"
        }
    }
}

/// Lowercase hex, the only spelling ids and signatures have.
package enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    package static func encode(_ bytes: [UInt8]) -> String {
        var characters: [UInt8] = []
        characters.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            characters.append(self.digits[Int(byte >> 4)])
            characters.append(self.digits[Int(byte & 0x0F)])
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// Decodes lowercase hex; nil for odd length, uppercase or any other character.
    package static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = self.value(utf8[index]), let low = self.value(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func value(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    static func decodeIdentifier(_ text: String, prefix: String) throws(IdentifierError) -> [UInt8] {
        guard text.hasPrefix(prefix), text.utf8.count == prefix.utf8.count + 64,
            let bytes = self.decode(String(text.dropFirst(prefix.count)))
        else { throw .malformed(text, expected: "\(prefix) followed by 64 lowercase hex digits") }
        return bytes
    }
}
