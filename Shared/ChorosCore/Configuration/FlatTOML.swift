/// The TOML that choros.toml is: `key = value` lines, comments, and the value types a key can
/// take (strings of the four kinds, integers, floats, booleans, arrays of those).
///
/// Its own reader, not a general one: toml++ (under TOMLKit) assumed and asserted its way
/// past malformed headers and arrays, and the config fuzz target found three inputs that
/// aborted a daemon or read out of bounds. Tables, inline tables and dates are TOML, but no
/// key uses them: they are read as `unsupported`, so a key holding one is named, not a crash.
struct FlatTOML {
    struct Failure: Error {
        var line: Int
        var reason: String
    }

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1

    private init(_ text: String) { self.bytes = Array(text.utf8) }

    /// Every top-level key and its value, in file order; a repeated key is an error.
    static func parse(_ text: String) throws(Failure) -> [(key: String, value: ConfigurationValue)] {
        var reader = FlatTOML(text)
        var entries: [(key: String, value: ConfigurationValue)] = []
        var seen: Set<String> = []
        while true {
            reader.skipWhitespaceAndComments()
            guard let byte = reader.peek else { return entries }
            if byte == UInt8(ascii: "[") {
                throw reader.failure("a table header: choros.toml is flat, every key at the top level")
            }
            let keyLine = reader.line
            let key = try reader.key()
            reader.skipSpaces()
            guard reader.take(UInt8(ascii: "=")) else { throw reader.failure("expected '=' after the key '\(key)'") }
            reader.skipSpaces()
            let value = try reader.value(depth: 0)
            try reader.endOfLine()
            guard seen.insert(key).inserted else {
                throw Failure(line: keyLine, reason: "the key '\(key)' is defined twice")
            }
            entries.append((key, value))
        }
    }

    /// One value alone (a `CHOROS_<KEY>` variable): nil unless the whole text is a value.
    static func value(_ text: String) -> ConfigurationValue? {
        var reader = FlatTOML(text)
        reader.skipSpaces()
        guard let value = try? reader.value(depth: 0) else { return nil }
        reader.skipSpaces()
        return reader.peek == nil ? value : nil
    }

    // MARK: keys

    private mutating func key() throws(Failure) -> String {
        var key: String
        if self.peek == UInt8(ascii: "\"") || self.peek == UInt8(ascii: "'") {
            guard case .string(let quoted) = try self.string() else { throw self.failure("a key") }
            key = quoted
        } else {
            let start = self.index
            while let byte = self.peek, Self.isBareKey(byte) { self.index += 1 }
            guard self.index > start else { throw self.failure("expected a key, found \(self.describePeek)") }
            key = String(decoding: self.bytes[start..<self.index], as: UTF8.self)
        }
        self.skipSpaces()
        if self.peek == UInt8(ascii: ".") {
            throw self.failure("a dotted key ('\(key).…'): choros.toml is flat, every key at the top level")
        }
        return key
    }

    private static func isBareKey(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    // MARK: values

    private mutating func value(depth: Int) throws(Failure) -> ConfigurationValue {
        guard depth < 32 else { throw self.failure("arrays nested more than 32 deep") }
        guard let byte = self.peek else { throw self.failure("expected a value, found the end of the file") }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return try self.string()
        case UInt8(ascii: "["): return try self.array(depth: depth)
        case UInt8(ascii: "{"):
            try self.skipInlineTable()
            return .unsupported(typeName: "a table (choros.toml is flat)")
        default: return try self.scalar()
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> ConfigurationValue {
        self.index += 1
        var elements: [ConfigurationValue] = []
        while true {
            self.skipWhitespaceAndComments()
            if self.take(UInt8(ascii: "]")) { return .array(elements) }
            elements.append(try self.value(depth: depth + 1))
            self.skipWhitespaceAndComments()
            if self.take(UInt8(ascii: ",")) { continue }
            guard self.take(UInt8(ascii: "]")) else {
                throw self.failure("expected ',' or ']' in an array, found \(self.describePeek)")
            }
            return .array(elements)
        }
    }

    /// Skips `{ … }` (nesting and strings included) so the key holding it can be named.
    private mutating func skipInlineTable() throws(Failure) {
        var depth = 0
        while let byte = self.peek {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "'"): _ = try self.string()
            case UInt8(ascii: "\n"): throw self.failure("an inline table must end on its line")
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                self.index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                self.index += 1
                if depth == 0 { return }
            default: self.index += 1
            }
        }
        throw self.failure("an inline table is not closed")
    }

    /// Booleans, integers, floats, and dates (recognised to be refused by type).
    private mutating func scalar() throws(Failure) -> ConfigurationValue {
        let start = self.index
        while let byte = self.peek,
            !(byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "#")
                || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "}"))
        {
            self.index += 1
        }
        var word = String(decoding: self.bytes[start..<self.index], as: UTF8.self)
        while word.last == " " || word.last == "\t" { word.removeLast() }
        switch word {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if let integer = Self.integer(word) { return .integer(integer) }
        if let float = Self.float(word) { return .float(float) }
        if word.first?.isNumber == true, word.contains(where: { $0 == "-" || $0 == ":" }) {
            return .unsupported(typeName: "a date or time")
        }
        throw self.failure(
            word.isEmpty ? "expected a value, found \(self.describePeek)" : "'\(word.prefix(40))' is not a value"
        )
    }

    private static func integer(_ word: String) -> Int? {
        var text = Substring(word)
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where text.hasPrefix(prefix) {
            let digits = text.dropFirst(2)
            guard Self.underscoresBetweenDigits(digits) else { return nil }
            return Int(digits.filter { $0 != "_" }, radix: radix)
        }
        let sign = text.first == "-" || text.first == "+" ? String(text.removeFirst()) : ""
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }),
            Self.underscoresBetweenDigits(text), text == "0" || !text.hasPrefix("0")
        else { return nil }
        return Int(sign + text.filter { $0 != "_" })
    }

    private static func float(_ word: String) -> Double? {
        let allowed = Set("0123456789+-._eE")
        guard word.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), word.allSatisfy({ allowed.contains($0) }),
            let first = word.first,
            first.isNumber || ((first == "+" || first == "-") && word.dropFirst().first?.isNumber == true),
            !word.hasSuffix("."), !word.contains("._"), !word.contains("_."), !word.contains(".e"),
            !word.contains(".E"),
            Self.underscoresBetweenDigits(Substring(word))
        else { return nil }
        return Double(word.filter { $0 != "_" })
    }

    private static func underscoresBetweenDigits(_ text: Substring) -> Bool {
        let characters = Array(text)
        for (offset, character) in characters.enumerated() where character == "_" {
            guard offset > 0, offset < characters.count - 1, characters[offset - 1].isHexDigit,
                characters[offset + 1].isHexDigit
            else { return false }
        }
        return !characters.isEmpty
    }

    // MARK: strings

    private mutating func string() throws(Failure) -> ConfigurationValue {
        let quote = self.bytes[self.index]
        let literal = quote == UInt8(ascii: "'")
        let multiline =
            self.index + 2 < self.bytes.count && self.bytes[self.index + 1] == quote
            && self.bytes[self.index + 2] == quote
        self.index += multiline ? 3 : 1
        if multiline, self.take(UInt8(ascii: "\n")) { self.line += 1 }
        var out: [UInt8] = []
        while true {
            guard let byte = self.peek else { throw self.failure("a string is not closed") }
            if byte == quote {
                guard multiline else {
                    self.index += 1
                    break
                }
                // Three quotes close it; one or two more before them belong to the string.
                let run = self.quotesAhead
                self.index += run
                if run < 3 {
                    out += Array(repeating: quote, count: run)
                    continue
                }
                guard run <= 5 else { throw self.failure("more than five quotes end a string") }
                out += Array(repeating: quote, count: run - 3)
                break
            }
            if byte == UInt8(ascii: "\n") {
                guard multiline else { throw self.failure("a string must end on its line (use \"\"\" for several)") }
                self.line += 1
            } else if byte < 0x20, byte != UInt8(ascii: "\t"), byte != UInt8(ascii: "\r") || !multiline {
                throw self.failure("a control character (0x\(String(byte, radix: 16))) in a string must be escaped")
            } else if byte == 0x7F {
                throw self.failure("a control character (0x7f) in a string must be escaped")
            }
            if byte == UInt8(ascii: "\\"), !literal {
                self.index += 1
                try self.escape(into: &out, multiline: multiline)
                continue
            }
            out.append(byte)
            self.index += 1
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw self.failure("a string is not valid UTF-8")
        }
        return .string(text)
    }

    private var quotesAhead: Int {
        var count = 0
        while self.index + count < self.bytes.count, self.bytes[self.index + count] == self.bytes[self.index] {
            count += 1
        }
        return count
    }

    private mutating func escape(into out: inout [UInt8], multiline: Bool) throws(Failure) {
        guard let byte = self.peek else { throw self.failure("a string ends in '\\'") }
        self.index += 1
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "t"): 0x09, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "f"): 0x0C,
            UInt8(ascii: "r"): 0x0D, UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "e"): 0x1B,
        ]
        if let replacement = simple[byte] {
            out.append(replacement)
            return
        }
        if byte == UInt8(ascii: "u") || byte == UInt8(ascii: "U") {
            let count = byte == UInt8(ascii: "u") ? 4 : 8
            guard self.index + count <= self.bytes.count,
                let scalarValue = UInt32(
                    String(decoding: self.bytes[self.index..<self.index + count], as: UTF8.self),
                    radix: 16
                ),
                let scalar = Unicode.Scalar(scalarValue)
            else {
                throw self.failure(
                    "'\\\(Character(Unicode.Scalar(byte)))' needs \(count) hex digits of a Unicode scalar"
                )
            }
            self.index += count
            out += Array(String(Character(scalar)).utf8)
            return
        }
        // A line-ending backslash in """ trims the newline and the whitespace after it.
        if multiline,
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r")
        {
            self.index -= 1
            var crossed = false
            while let next = self.peek,
                next == UInt8(ascii: " ") || next == UInt8(ascii: "\t") || next == UInt8(ascii: "\n")
                    || next == UInt8(ascii: "\r")
            {
                if next == UInt8(ascii: "\n") {
                    crossed = true
                    self.line += 1
                }
                self.index += 1
            }
            guard crossed else { throw self.failure("'\\' followed by spaces must end the line") }
            return
        }
        throw self.failure("'\\\(Character(Unicode.Scalar(byte)))' is not an escape")
    }

    // MARK: layout

    private var peek: UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

    private var describePeek: String {
        guard let byte = self.peek else { return "the end of the file" }
        if byte == UInt8(ascii: "\n") { return "the end of the line" }
        return byte >= 0x20 && byte < 0x7F
            ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard self.peek == byte else { return false }
        self.index += 1
        return true
    }

    private mutating func skipSpaces() {
        while self.peek == UInt8(ascii: " ") || self.peek == UInt8(ascii: "\t") { self.index += 1 }
    }

    private mutating func skipComment() {
        guard self.peek == UInt8(ascii: "#") else { return }
        while let byte = self.peek, byte != UInt8(ascii: "\n") { self.index += 1 }
    }

    /// Spaces, newlines and comments (between lines, and inside an array).
    private mutating func skipWhitespaceAndComments() {
        while true {
            self.skipSpaces()
            self.skipComment()
            if self.take(UInt8(ascii: "\n")) {
                self.line += 1
            } else if self.peek == UInt8(ascii: "\r"), self.index + 1 < self.bytes.count,
                self.bytes[self.index + 1] == UInt8(ascii: "\n")
            {
                self.index += 1
            } else {
                return
            }
        }
    }

    private mutating func endOfLine() throws(Failure) {
        self.skipSpaces()
        self.skipComment()
        if self.peek == nil { return }
        if self.take(UInt8(ascii: "\r")), self.peek != UInt8(ascii: "\n") {
            throw self.failure("a lone carriage return")
        }
        guard self.take(UInt8(ascii: "\n")) else {
            throw self.failure("expected the end of the line after a value, found \(self.describePeek)")
        }
        self.line += 1
    }

    private func failure(_ reason: String) -> Failure { Failure(line: self.line, reason: reason) }
}
