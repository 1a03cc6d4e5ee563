import ChorosCore
import ChorosTesting
import Foundation
import Testing

@Suite("TOTP (RFC 6238)")
struct TOTPTests {
    /// RFC 6238 Appendix B, SHA-1, 8 digits, secret "12345678901234567890".
    static let vectors: [(Int64, String)] = [
        (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"), (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
    ]

    @Test("the RFC's vectors", arguments: Self.vectors.indices)
    func rfcVectors(_ index: Int) {
        let (time, expected) = Self.vectors[index]
        let totp = TOTP(secret: Array("12345678901234567890".utf8), digits: 8)
        #expect(totp.code(window: TOTP.window(at: time)) == expected)
    }

    @Test("a code is accepted in its window ±1 and not beyond; malformed codes never match")
    func windows() {
        let totp = TOTP(secret: Array("12345678901234567890".utf8))
        let code = totp.code(window: 1000)
        #expect(totp.matchingWindow(for: code, around: 1001) == 1000)
        #expect(totp.matchingWindow(for: code, around: 999) == 1000)
        #expect(totp.matchingWindow(for: code, around: 1002) == nil)
        #expect(totp.matchingWindow(for: code, around: 1005, tolerance: 10) == 1000)
        for bad in ["", "12345", "1234567", "12a456", "١٢٣٤٥٦"] {
            #expect(totp.matchingWindow(for: bad, around: 1000) == nil)
        }
    }

    @Test("base32 round-trips and matches RFC 4648")
    func base32() {
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(Base32.decode("MZXW6YTBOI") == Array("foobar".utf8))
        let secret = TOTPSecret.generate()
        #expect(Base32.decode(secret.base32) == secret.bytes)
        #expect(!secret.description.contains(secret.base32))
    }

    @Test("the secret file is 0600, never overwritten without --force, refused when open")
    func secretFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending("keys/airlock.totp")
            let secret = TOTPSecret.generate()
            try secret.save(to: path, replacing: false)
            var info = stat()
            #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
            #expect(try TOTPSecret.load(from: path).bytes == secret.bytes)
            #expect(throws: TOTPSecretError.self) { try TOTPSecret.generate().save(to: path, replacing: false) }
            try TOTPSecret.generate().save(to: path, replacing: true)
            chmod(path, 0o644)
            #expect(throws: TOTPSecretError.self) { try TOTPSecret.load(from: path) }
        }
    }
}
