internal import Foundation

extension Entry {
    /// Parses an entry file. Text without a leading `---` line is all body.
    ///
    /// - Throws: `EntryError` for a duplicate field, an unclosed block, a line that is not
    ///   `key: value`, or a list that does not close.
    package init(parsing text: String) throws(EntryError) {
        // Split on the code unit, not on Characters: "\r\n" is one Character in Swift.
        var rawLines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        let lines = rawLines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        guard lines.first == "---" else {
            try self.init(body: text)
            return
        }
        guard let closing = lines.dropFirst().firstIndex(of: "---") else { throw .unterminatedFrontMatter }
        var fields: [(key: String, value: Value)] = []
        // Syntax is found among Unicode scalars, never Characters: a combining mark after a ':',
        // a '"' or a ',' would otherwise fuse with it into another Character and hide it.
        for (offset, line) in lines[1..<closing].enumerated() where !line.allSatisfy(\.isWhitespace) {
            let scalars = line.unicodeScalars
            guard let colon = scalars.firstIndex(of: ":") else {
                throw .malformedLine(line: offset + 2, text: String(line))
            }
            let key = String(scalars[..<colon]).trimmingCharacters(in: .whitespaces)
            guard Entry.isValidKey(key) else { throw .invalidKey(key) }
            guard !fields.contains(where: { $0.key == key }) else { throw .duplicateField(key) }
            let raw = String(scalars[scalars.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            fields.append((key, try Self.parseValue(raw, key: key)))
        }
        rawLines.removeSubrange(0...closing)
        if rawLines.first == "" || rawLines.first == "\r" { rawLines.removeFirst() }
        try self.init(fields: fields, body: rawLines.joined(separator: "\n"))
    }

    /// The file text; `Entry(parsing: entry.text) == entry` for every entry.
    package var text: String {
        // A body whose first line is "---" would read as front-matter: give it an empty block.
        let firstLine = self.body.utf8.split(
            separator: UInt8(ascii: "\n"),
            maxSplits: 1,
            omittingEmptySubsequences: false
        ).first
        let bodyOpensBlock =
            firstLine.map { String(decoding: $0, as: UTF8.self) }.map { $0 == "---" || $0 == "---\r" } ?? false
        guard !self.fields.isEmpty || bodyOpensBlock else { return self.body }
        var lines = ["---"]
        for (key, value) in self.fields {
            switch value {
            case .scalar(let text): lines.append("\(key): \(Self.encodeScalar(text))")
            case .list(let items): lines.append("\(key): [\(items.map(Self.encodeItem).joined(separator: ", "))]")
            }
        }
        lines.append("---")
        return lines.joined(separator: "\n") + "\n\n" + self.body
    }

    private static func parseValue(_ raw: String, key: String) throws(EntryError) -> Value {
        let first = raw.unicodeScalars.first
        if first == "[" { return .list(try self.parseList(raw, key: key)) }
        if first == "\"", let decoded = self.decodeJSONString(raw) { return .scalar(decoded) }
        return .scalar(raw)
    }

    private static func parseList(_ raw: String, key: String) throws(EntryError) -> [String] {
        guard raw.unicodeScalars.last == "]" else { throw .malformedList(key: key, reason: "no closing ']'") }
        var rest = raw.unicodeScalars.dropFirst().dropLast()
        var items: [String] = []
        while true {
            rest = rest.drop { $0 == " " }
            if rest.isEmpty { break }
            if rest.first == "\"" {
                guard let (item, remainder) = self.leadingJSONString(rest) else {
                    throw .malformedList(key: key, reason: "an unterminated quoted item")
                }
                items.append(item)
                rest = remainder.drop { $0 == " " }
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                items.append(String(rest[..<end]).trimmingCharacters(in: .whitespaces))
                rest = rest[end...]
            }
            if rest.isEmpty { break }
            guard rest.first == "," else { throw .malformedList(key: key, reason: "items must be separated by ','") }
            rest = rest.dropFirst()
        }
        return items
    }

    /// The JSON string at the start of `text` and what follows it.
    private static func leadingJSONString(
        _ text: Substring.UnicodeScalarView
    ) -> (String, Substring.UnicodeScalarView)? {
        var index = text.index(after: text.startIndex)
        var isEscaped = false
        while index < text.endIndex {
            let scalar = text[index]
            if isEscaped {
                isEscaped = false
            } else if scalar == "\\" {
                isEscaped = true
            } else if scalar == "\"" {
                let end = text.index(after: index)
                guard let decoded = self.decodeJSONString(String(text[..<end])) else { return nil }
                return (decoded, text[end...])
            }
            index = text.index(after: index)
        }
        return nil
    }

    private static func decodeJSONString(_ literal: String) -> String? {
        try? JSONDecoder().decode(String.self, from: Data(literal.utf8))
    }

    private static func encodeJSONString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Encoding a String cannot fail.
        return (try? encoder.encode(text)).flatMap { String(data: $0, encoding: .utf8) } ?? "\"\""
    }

    private static func needsQuoting(_ text: String) -> Bool {
        text != text.trimmingCharacters(in: .whitespaces)
            || text.unicodeScalars.contains { Self.isLineBreakingOrControl($0) }
    }

    private static func isLineBreakingOrControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    private static func encodeScalar(_ text: String) -> String {
        let isAmbiguous = text.unicodeScalars.first == "\"" || text.unicodeScalars.first == "["
        return isAmbiguous || self.needsQuoting(text) ? self.encodeJSONString(text) : text
    }

    private static func encodeItem(_ item: String) -> String {
        let hasSyntax =
            item.isEmpty || item.unicodeScalars.contains { $0 == "," || $0 == "[" || $0 == "]" || $0 == "\"" }
        return hasSyntax || self.needsQuoting(item) ? self.encodeJSONString(item) : item
    }
}
