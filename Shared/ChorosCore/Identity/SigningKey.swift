internal import Foundation

/// An Ed25519 key: an instance's, the practitioner's or the system's. Its description shows
/// only the author id: the seed never reaches a log or an error.
package struct SigningKey: Sendable, CustomStringConvertible {
    private let seed: [UInt8]
    private let secretKey: [UInt8]
    package let author: AuthorID

    /// - Throws: `SodiumError` when libsodium has no entropy source.
    package static func generate() throws -> SigningKey {
        SigningKey(seed: try Sodium.randomBytes(32))
    }

    /// The key for a 32-byte seed (deterministic; tests use fixed seeds).
    package init(seed: [UInt8]) {
        let pair = Sodium.keyPair(seed: seed)
        self.seed = seed
        self.secretKey = pair.secretKey
        self.author = AuthorID(publicKey: pair.publicKey)
    }

    package func sign(_ message: [UInt8]) -> [UInt8] {
        Sodium.sign(message, secretKey: self.secretKey)
    }

    package var description: String { "SigningKey(\(self.author))" }

    /// Writes the key to `path` with mode 0600, refusing to replace an existing file.
    ///
    /// - Throws: `KeyFileError.exists` or `.cannotWrite`.
    package func save(to path: String) throws(KeyFileError) {
        let content = CanonicalJSON.encode([
            "kind": "choros-ed25519-key",
            "author": .string(self.author.rawValue),
            "seed": .string(Hex.encode(self.seed)),
        ])
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw errno == EEXIST
                ? .exists(path: path) : .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        let written = content.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == content.count, fsync(descriptor) == 0 else {
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Reads a key file written by `save(to:)`.
    ///
    /// - Throws: `KeyFileError.tooOpen` when the group or others may read or write it (a key
    ///   others can read is no proof of identity), `.malformed` for anything not a key file.
    package static func load(from path: String) throws(KeyFileError) -> SigningKey {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else { throw .tooOpen(path: path, mode: mode) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .cannotRead(path: path, reason: "unreadable")
        }
        guard let value = try? JSONParser.parse(Array(data)), value["kind"]?.stringValue == "choros-ed25519-key",
            let seed = value["seed"]?.stringValue.flatMap(Hex.decode), seed.count == 32
        else { throw .malformed(path: path) }
        let key = SigningKey(seed: seed)
        guard value["author"]?.stringValue == key.author.rawValue else { throw .malformed(path: path) }
        return key
    }
}

package enum KeyFileError: Error, Equatable, CustomStringConvertible {
    case exists(path: String)
    case cannotWrite(path: String, reason: String)
    case cannotRead(path: String, reason: String)
    case tooOpen(path: String, mode: UInt32)
    case malformed(path: String)

    package var description: String {
        switch self {
        case .exists(let path): "key file \(path) already exists; refusing to overwrite a key"
        case .cannotWrite(let path, let reason): "cannot write key file \(path): \(reason)"
        case .cannotRead(let path, let reason): "cannot read key file \(path): \(reason)"
        case .tooOpen(let path, let mode):
            "key file \(path) has mode \(String(mode, radix: 8)): others can read it; run chmod 600 \(path)"
        case .malformed(let path): "\(path) is not a Choros key file"
        }
    }
}
