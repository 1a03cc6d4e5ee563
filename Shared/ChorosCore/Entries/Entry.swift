/// An entry file: Stasima's flat front-matter followed by a markdown body.
///
/// ```
/// ---
/// type: kno
/// title: A title
/// tags: [a, "b, with a comma"]
/// ---
///
/// The body.
/// ```
///
/// Every value sits on one line. A scalar that could be misread (a newline, a leading quote or
/// bracket, surrounding spaces) is written as a JSON string, and so is a list item containing
/// `,` `[` `]` `"` or surrounding spaces, so no value can inject a field or split an item.
package struct Entry: Sendable, Equatable {
    /// A front-matter value: one line of text, or a list written `[a, b]`.
    package enum Value: Sendable, Equatable {
        case scalar(String)
        case list([String])
    }

    /// Front-matter fields in file order; keys are unique.
    package private(set) var fields: [(key: String, value: Value)]
    package var body: String

    package init(fields: [(key: String, value: Value)] = [], body: String) throws(EntryError) {
        self.fields = []
        self.body = body
        for field in fields { try self.set(field.key, field.value) }
    }

    package static func == (lhs: Entry, rhs: Entry) -> Bool {
        lhs.body == rhs.body && lhs.fields.elementsEqual(rhs.fields) { $0.key == $1.key && $0.value == $1.value }
    }

    package subscript(key: String) -> Value? {
        self.fields.first { $0.key == key }?.value
    }

    /// A scalar field's text (a list reads as nil).
    package func scalar(_ key: String) -> String? {
        if case .scalar(let text) = self[key] { return text }
        return nil
    }

    /// A list field's items (a missing field reads as empty).
    package func list(_ key: String) -> [String] {
        if case .list(let items) = self[key] { return items }
        return []
    }

    /// Sets a field, replacing its value in place or appending it.
    ///
    /// - Throws: `EntryError.invalidKey` for a key that is not `[a-z0-9_-]`, starting with a
    ///   letter or `_`: keys are never quoted, so they must not carry syntax.
    package mutating func set(_ key: String, _ value: Value) throws(EntryError) {
        guard Self.isValidKey(key) else { throw .invalidKey(key) }
        if let index = self.fields.firstIndex(where: { $0.key == key }) {
            self.fields[index].value = value
        } else {
            self.fields.append((key, value))
        }
    }

    package mutating func removeField(_ key: String) {
        self.fields.removeAll { $0.key == key }
    }

    static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, first == "_" || ("a"..."z").contains(first) else { return false }
        return key.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
    }
}

/// Why an entry could not be read or written.
package enum EntryError: Error, Equatable, CustomStringConvertible {
    case invalidKey(String)
    case duplicateField(String)
    case unterminatedFrontMatter
    case malformedLine(line: Int, text: String)
    case malformedList(key: String, reason: String)

    package var description: String {
        switch self {
        case .invalidKey(let key): "front-matter key '\(key)' is not lowercase letters, digits, '_' or '-'"
        case .duplicateField(let key): "front-matter field '\(key)' appears twice"
        case .unterminatedFrontMatter: "front-matter opened with '---' is never closed"
        case .malformedLine(let line, let text): "front-matter line \(line) is not 'key: value': \(text)"
        case .malformedList(let key, let reason): "front-matter list '\(key)' is malformed: \(reason)"
        }
    }
}
