extension BodySchema {
    static func check(_ value: JSONValue, as kind: FieldKind, field: String) throws(BodyError) {
        func fail(_ problem: String) -> BodyError { BodyError(field: field, problem: problem) }
        func string() throws(BodyError) -> String {
            guard let string = value.stringValue else { throw fail("must be a string, got \(value.typeName)") }
            return string
        }
        func parse<Failure: Error>(_ text: String, _ parser: (String) throws(Failure) -> Void) throws(BodyError) {
            do { try parser(text) } catch { throw fail("is invalid: \(error)") }
        }
        func list() throws(BodyError) -> [JSONValue] {
            guard let items = value.arrayValue else { throw fail("must be a list, got \(value.typeName)") }
            return items
        }
        switch kind {
        case .anyText:
            _ = try string()
        case .text:
            guard !(try string()).isEmpty else { throw fail("must not be empty") }
        case .requestKey:
            guard RequestKey.isValid(try string()) else {
                throw fail("must be 1–128 letters, digits, '.', '_', ':' or '-'")
            }
        case .path:
            try parse(try string()) { text throws(EntryPathError) in _ = try EntryPath(text) }
        case .domain:
            let domain = try string()
            try parse(domain) { text throws(EntryPathError) in _ = try EntryPath(text) }
            guard domain == domain.lowercased() else { throw fail("must be lowercase") }
        case .slug:
            let slug = try string()
            guard !slug.contains("/") else { throw fail("must be one path segment") }
            try parse(slug) { text throws(EntryPathError) in _ = try EntryPath(text) }
        case .opID:
            try parse(try string()) { text throws(IdentifierError) in _ = try OpID(parsing: text) }
        case .opIDs:
            let items = try list()
            guard !items.isEmpty else { throw fail("must not be empty") }
            var seen: Set<String> = []
            for item in items {
                guard let text = item.stringValue, (try? OpID(parsing: text)) != nil else {
                    throw fail("must hold op ids (op_ + 64 lowercase hex)")
                }
                guard seen.insert(text).inserted else { throw fail("lists \(text) twice") }
            }
        case .claimKey:
            try parse(try string()) { text throws(IdentifierError) in _ = try ClaimKey(parsing: text) }
        case .author:
            try parse(try string()) { text throws(IdentifierError) in _ = try AuthorID(parsing: text) }
        case .name:
            try parse(try string()) { text throws(InstanceNameError) in _ = try InstanceName(text) }
        case .names:
            try Self.checkDistinctStrings(try list(), field: field, nonEmpty: true) { name throws(BodyError) in
                do { _ = try InstanceName(name) } catch let error { throw fail("holds an invalid name: \(error)") }
            }
        case .strings:
            try Self.checkDistinctStrings(try list(), field: field, nonEmpty: false) { _ throws(BodyError) in }
        case .object:
            guard value.objectValue != nil else { throw fail("must be an object, got \(value.typeName)") }
        case .steps:
            for step in try list() {
                guard let kind = step["kind"]?.stringValue, !kind.isEmpty else {
                    throw fail("must hold objects, each with a non-empty string 'kind'")
                }
            }
        case .integer(let range):
            guard let integer = value.integerValue else { throw fail("must be an integer, got \(value.typeName)") }
            guard range.contains(integer) else {
                throw fail("must be between \(range.lowerBound) and \(range.upperBound), got \(integer)")
            }
        case .oneOf(let choices):
            let choice = try string()
            guard choices.contains(choice) else {
                throw fail("must be one of \(choices.map { "'\($0)'" }.joined(separator: ", ")), got '\(choice)'")
            }
        case .gitOID:
            let oid = try string()
            guard oid.utf8.count == 40, Hex.decode(oid) != nil else { throw fail("must be 40 lowercase hex digits") }
        case .gitOIDPrefix:
            let prefix = try string()
            guard (8...40).contains(prefix.utf8.count), prefix.utf8.allSatisfy(Self.isLowercaseHex) else {
                throw fail("must be 8 to 40 lowercase hex digits")
            }
        }
    }

    private static func checkDistinctStrings(
        _ items: [JSONValue],
        field: String,
        nonEmpty: Bool,
        each: (String) throws(BodyError) -> Void
    ) throws(BodyError) {
        if nonEmpty && items.isEmpty { throw BodyError(field: field, problem: "must not be empty") }
        var seen: Set<String> = []
        for item in items {
            guard let text = item.stringValue, !text.isEmpty else {
                throw BodyError(field: field, problem: "must hold non-empty strings")
            }
            guard seen.insert(text).inserted else { throw BodyError(field: field, problem: "lists '\(text)' twice") }
            try each(text)
        }
    }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}

/// A caller's request key, as ops carry it.
package enum RequestKey {
    /// 1–128 ASCII letters, digits, '.', '_', ':' or '-': safe in a commit trailer and in a
    /// tab-separated line.
    package static func isValid(_ key: String) -> Bool {
        (1...128).contains(key.count) && key.unicodeScalars.allSatisfy(Self.isValidScalar)
    }

    private static func isValidScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII
            && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || ".:_-".unicodeScalars.contains(scalar))
    }
}
