internal import Crypto
internal import Foundation

/// Time-based one-time codes, RFC 6238: HMAC-SHA1, 30-second steps, 6 digits (CANON.md).
package struct TOTP: Sendable {
    package static let step: Int64 = 30
    package let secret: [UInt8]
    package let digits: Int

    package init(secret: [UInt8], digits: Int = 6) {
        self.secret = secret
        self.digits = digits
    }

    /// The window a Unix time in seconds falls in.
    package static func window(at unixSeconds: Int64) -> Int64 {
        unixSeconds / Self.step
    }

    /// The code of one window (RFC 4226's dynamic truncation over the big-endian counter).
    package func code(window: Int64) -> String {
        let counter = withUnsafeBytes(of: UInt64(bitPattern: window).bigEndian, Array.init)
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: counter, using: SymmetricKey(data: self.secret)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let value =
            (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8)
            | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<self.digits { modulus *= 10 }
        let text = String(value % modulus)
        return String(repeating: "0", count: self.digits - text.count) + text
    }

    /// The window `code` matches among `center` ± `tolerance`, nearest first; nil for none.
    package func matchingWindow(for code: String, around center: Int64, tolerance: Int64 = 1) -> Int64? {
        guard code.count == self.digits, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else { return nil }
        var candidates = [center]
        if tolerance > 0 {
            for distance in 1...tolerance { candidates += [center - distance, center + distance] }
        }
        return candidates.first { self.code(window: $0) == code }
    }
}
