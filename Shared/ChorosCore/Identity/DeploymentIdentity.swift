internal import Foundation
internal import NIOConcurrencyHelpers

/// The deployment's id (TRUST.md, rule 7): 16 random bytes as 32 lowercase hex, made once in
/// `<keys_dir>/deployment.id` by whichever process needs it first, and backed up with the keys.
/// The handshake signs it and every op names it, so a key enrolled in two deployments cannot
/// carry an act from one into the other.
package enum DeploymentIdentity {
    static let fileName = "deployment.id"

    package static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Ids already read, by keys directory: every verifier asks, the file is read once.
    private static let known = NIOLockedValueBox<[String: String]>([:])

    /// Reads the id, creating it (exclusively, 0600) when absent.
    static func load(keysDirectory: String) throws -> String {
        if let id = Self.known.withLockedValue({ $0[keysDirectory] }) { return id }
        let id = try Self.loadOrCreate(keysDirectory: keysDirectory)
        Self.known.withLockedValue { $0[keysDirectory] = id }
        return id
    }

    private static func loadOrCreate(keysDirectory: String) throws -> String {
        let path = keysDirectory + "/" + Self.fileName
        if let existing = try Self.read(path) { return existing }
        try FileManager.default.createDirectory(
            atPath: keysDirectory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let id = Hex.encode(try Sodium.randomBytes(16))
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor >= 0 {
            defer { close(descriptor) }
            let bytes = Array((id + "\n").utf8)
            guard write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
                throw DeploymentIdentityError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            return id
        }
        // Another process made it first: use theirs.
        guard let theirs = try Self.read(path) else {
            throw DeploymentIdentityError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        return theirs
    }

    private static func read(_ path: String) throws -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard Self.isWellFormed(text) else { throw DeploymentIdentityError("\(path) does not hold a deployment id") }
        return text
    }
}

package struct DeploymentIdentityError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}

extension ChorosConfiguration {
    /// This deployment's id, made on first use.
    package func deploymentID() throws -> String {
        try DeploymentIdentity.load(keysDirectory: self.keysDirectory)
    }
}
