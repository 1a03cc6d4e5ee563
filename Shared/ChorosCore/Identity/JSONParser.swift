/// A strict JSON reader for signed payloads: it refuses, never "fixes", anything outside the
/// canonical subset. Offsets in errors are byte offsets into the input.
package struct JSONParser {
    /// Deeper nesting is refused, so hostile input cannot exhaust the stack.
    static let maximumDepth = 64

    private let bytes: [UInt8]
    private var offset = 0

    /// Parses `bytes` as one canonical-subset JSON value.
    package static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.offset == bytes.count else { throw .trailingData(offset: parser.offset) }
        return value
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { self.offset < self.bytes.count ? self.bytes[self.offset] : nil }

    private mutating func skipWhitespace() {
        while let byte = self.current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            self.offset += 1
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard depth < Self.maximumDepth else { throw .tooDeep(limit: Self.maximumDepth) }
        self.skipWhitespace()
        guard let byte = self.current else { throw .unexpectedEnd }
        switch byte {
        case UInt8(ascii: "{"): return try self.parseObject(depth: depth)
        case UInt8(ascii: "["): return try self.parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"): return try self.parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try self.parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try self.parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try self.parseInteger())
        default: throw .unexpectedCharacter(offset: self.offset)
        }
    }

    private mutating func parseLiteral(_ literal: String, _ value: JSONValue) throws(JSONError) -> JSONValue {
        let expected = Array(literal.utf8)
        guard self.bytes.count - self.offset >= expected.count,
            Array(self.bytes[self.offset..<self.offset + expected.count]) == expected
        else { throw .unexpectedCharacter(offset: self.offset) }
        self.offset += expected.count
        return value
    }

    private mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        self.offset += 1
        var members: [String: JSONValue] = [:]
        self.skipWhitespace()
        if self.current == UInt8(ascii: "}") {
            self.offset += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.current == UInt8(ascii: "\"") else { throw .unexpectedCharacter(offset: self.offset) }
            let key = try self.parseString()
            guard members[key] == nil else { throw .duplicateKey(key) }
            self.skipWhitespace()
            guard self.current == UInt8(ascii: ":") else { throw .unexpectedCharacter(offset: self.offset) }
            self.offset += 1
            members[key] = try self.parseValue(depth: depth + 1)
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.offset += 1
            case UInt8(ascii: "}"):
                self.offset += 1
                return .object(members)
            case nil: throw .unexpectedEnd
            default: throw .unexpectedCharacter(offset: self.offset)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        self.offset += 1
        var items: [JSONValue] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "]") {
            self.offset += 1
            return .array(items)
        }
        while true {
            items.append(try self.parseValue(depth: depth + 1))
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.offset += 1
            case UInt8(ascii: "]"):
                self.offset += 1
                return .array(items)
            case nil: throw .unexpectedEnd
            default: throw .unexpectedCharacter(offset: self.offset)
            }
        }
    }

    private mutating func parseInteger() throws(JSONError) -> Int64 {
        let start = self.offset
        let isNegative = self.current == UInt8(ascii: "-")
        if isNegative { self.offset += 1 }
        guard let first = self.current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw .unexpectedCharacter(offset: self.offset)
        }
        var magnitude: Int64 = 0
        while let byte = self.current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            if byte == UInt8(ascii: "0") && magnitude == 0 && self.offset > start + (isNegative ? 1 : 0) {
                throw .leadingZero(offset: start)
            }
            magnitude = magnitude * 10 + Int64(byte - UInt8(ascii: "0"))
            guard magnitude <= JSONValue.maximumInteger else { throw .integerOutOfRange(offset: start) }
            self.offset += 1
        }
        if first == UInt8(ascii: "0") && self.offset - start > (isNegative ? 2 : 1) {
            throw .leadingZero(offset: start)
        }
        if let byte = self.current, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
        {
            throw .floatNotAllowed(offset: start)
        }
        return isNegative ? -magnitude : magnitude
    }

    private mutating func parseString() throws(JSONError) -> String {
        let start = self.offset
        self.offset += 1
        var scalars = String.UnicodeScalarView()
        var runStart = self.offset
        while true {
            guard let byte = self.current else { throw .unexpectedEnd }
            switch byte {
            case UInt8(ascii: "\""):
                try self.appendRun(from: runStart, to: &scalars, stringStart: start)
                self.offset += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                try self.appendRun(from: runStart, to: &scalars, stringStart: start)
                scalars.append(try self.parseEscape(stringStart: start))
                runStart = self.offset
            case 0x00..<0x20:
                throw .invalidString(offset: start, reason: "an unescaped control character")
            default:
                self.offset += 1
            }
        }
    }

    /// Appends the raw bytes between escapes, which must be valid UTF-8.
    private func appendRun(
        from runStart: Int,
        to scalars: inout String.UnicodeScalarView,
        stringStart: Int
    ) throws(JSONError) {
        guard runStart < self.offset else { return }
        guard let run = String(validating: self.bytes[runStart..<self.offset], as: UTF8.self) else {
            throw .invalidString(offset: stringStart, reason: "invalid UTF-8")
        }
        scalars.append(contentsOf: run.unicodeScalars)
    }

    private mutating func parseEscape(stringStart: Int) throws(JSONError) -> Unicode.Scalar {
        self.offset += 1
        guard let byte = self.current else { throw .unexpectedEnd }
        self.offset += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try self.parseHexUnit(stringStart: stringStart)
            switch unit {
            case 0xD800..<0xDC00:
                guard self.current == UInt8(ascii: "\\"), self.offset + 1 < self.bytes.count,
                    self.bytes[self.offset + 1] == UInt8(ascii: "u")
                else { throw .invalidString(offset: stringStart, reason: "a lone surrogate") }
                self.offset += 2
                let low = try self.parseHexUnit(stringStart: stringStart)
                guard (0xDC00..<0xE000).contains(low) else {
                    throw .invalidString(offset: stringStart, reason: "a lone surrogate")
                }
                let value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                // Every value in 0x10000...0x10FFFF is a valid scalar.
                return Unicode.Scalar(value) ?? "\u{FFFD}"
            case 0xDC00..<0xE000:
                throw .invalidString(offset: stringStart, reason: "a lone surrogate")
            default:
                // Not a surrogate, so a valid scalar.
                return Unicode.Scalar(unit) ?? "\u{FFFD}"
            }
        default:
            throw .invalidString(offset: stringStart, reason: "an unknown escape")
        }
    }

    private mutating func parseHexUnit(stringStart: Int) throws(JSONError) -> UInt32 {
        guard self.bytes.count - self.offset >= 4 else { throw .unexpectedEnd }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .invalidString(offset: stringStart, reason: "a malformed \\u escape")
            }
            value = value << 4 | UInt32(digit)
            self.offset += 1
        }
        return value
    }
}

/// Why bytes are not a canonical-subset JSON value.
package enum JSONError: Error, Equatable, CustomStringConvertible {
    case unexpectedEnd
    case unexpectedCharacter(offset: Int)
    case trailingData(offset: Int)
    case floatNotAllowed(offset: Int)
    case integerOutOfRange(offset: Int)
    case leadingZero(offset: Int)
    case duplicateKey(String)
    case invalidString(offset: Int, reason: String)
    case tooDeep(limit: Int)

    package var description: String {
        switch self {
        case .unexpectedEnd: "JSON ends too early"
        case .unexpectedCharacter(let offset): "unexpected character at byte \(offset)"
        case .trailingData(let offset): "data after the JSON value at byte \(offset)"
        case .floatNotAllowed(let offset):
            "a non-integer number at byte \(offset): signed payloads carry integers only"
        case .integerOutOfRange(let offset): "an integer beyond ±(2^53−1) at byte \(offset)"
        case .leadingZero(let offset): "a number with a leading zero at byte \(offset)"
        case .duplicateKey(let key): "the key \"\(key)\" appears twice"
        case .invalidString(let offset, let reason): "the string at byte \(offset) has \(reason)"
        case .tooDeep(let limit): "JSON nests deeper than \(limit) levels"
        }
    }
}
