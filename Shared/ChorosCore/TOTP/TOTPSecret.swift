internal import Foundation

/// The airlock's TOTP secret: a server-side file (0600) holding the base32 seed; never in
/// git, never logged (CANON.md).
package struct TOTPSecret: Sendable, CustomStringConvertible {
    package let bytes: [UInt8]

    package init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// 20 random bytes, as authenticator apps expect for SHA-1.
    package static func generate() -> TOTPSecret {
        var generator = SystemRandomNumberGenerator()
        return TOTPSecret(bytes: (0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    package var base32: String { Base32.encode(self.bytes) }
    package var description: String { "TOTPSecret(redacted)" }

    /// `otpauth://totp/<deployment>:practitioner?secret=…&issuer=<deployment>&…`
    package func provisioningURI(deployment: String) -> String {
        let label =
            (deployment + ":practitioner").addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "choros"
        let issuer = deployment.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "choros"
        return "otpauth://totp/\(label)?secret=\(self.base32)&issuer=\(issuer)&algorithm=SHA1&digits=6&period=30"
    }

    /// Writes the secret with mode 0600; refuses to replace one unless `replacing`.
    package func save(to path: String, replacing: Bool) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        if FileManager.default.fileExists(atPath: path) {
            guard replacing else { throw TOTPSecretError.exists(path) }
            try FileManager.default.removeItem(atPath: path)
        }
        guard
            FileManager.default.createFile(
                atPath: path,
                contents: Data((self.base32 + "\n").utf8),
                attributes: [.posixPermissions: 0o600]
            )
        else {
            throw TOTPSecretError.unreadable(path)
        }
    }

    /// Reads the secret; refuses a file others can open.
    package static func load(from path: String) throws -> TOTPSecret {
        var info = stat()
        guard stat(path, &info) == 0 else { throw TOTPSecretError.missing(path) }
        guard info.st_mode & 0o077 == 0 else { throw TOTPSecretError.tooOpen(path: path, mode: info.st_mode & 0o777) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let bytes = Base32.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)), !bytes.isEmpty
        else { throw TOTPSecretError.unreadable(path) }
        return TOTPSecret(bytes: bytes)
    }
}

package enum TOTPSecretError: Error, CustomStringConvertible {
    case exists(String)
    case missing(String)
    case unreadable(String)
    case tooOpen(path: String, mode: UInt32)

    package var description: String {
        switch self {
        case .exists(let path): "a TOTP secret already exists at \(path); pass --force to rotate it"
        case .missing(let path): "no TOTP secret at \(path): run choros-admin totp-provision"
        case .unreadable(let path): "\(path) does not hold a base32 TOTP secret"
        case .tooOpen(let path, let mode):
            "TOTP secret \(path) has mode \(String(mode, radix: 8)); run chmod 600 \(path)"
        }
    }
}

/// RFC 4648 base32 (the alphabet authenticator apps read), without padding.
package enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    package static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(self.alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(self.alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }

    package static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: "=") {
            guard let value = self.alphabet.firstIndex(of: character) else { return nil }
            buffer = buffer << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> UInt32(bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        return output
    }
}
