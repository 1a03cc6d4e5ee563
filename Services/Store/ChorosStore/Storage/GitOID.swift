internal import CGit2

/// A git object id (SHA-1, 20 bytes), spelled as 40 lowercase hex digits.
struct GitOID: Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    init(_ oid: git_oid) {
        self.bytes = withUnsafeBytes(of: oid.id) { Array($0) }
    }

    /// Parses 40 lowercase hex digits; nil for anything else.
    init?(hex: String) {
        guard hex.utf8.count == 40, hex.utf8.allSatisfy(Self.isLowercaseHex) else { return nil }
        var oid = git_oid()
        guard git_oid_fromstr(&oid, hex) == 0 else { return nil }
        self.init(oid)
    }

    var raw: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { $0.copyBytes(from: self.bytes) }
        return oid
    }

    var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: self.bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }, as: UTF8.self)
    }

    var description: String { self.hex }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
