/// An enrolled name: 1–64 letters, digits, `.`, `_`, `-`, not starting with `.`
/// (IDENTITY.md). Names are unique case-insensitively, so `folded` is what registries key on.
package struct InstanceName: Sendable, Hashable, CustomStringConvertible {
    package let rawValue: String

    package init(_ name: String) throws(InstanceNameError) {
        guard (1...64).contains(name.unicodeScalars.count) else { throw .length(name.unicodeScalars.count) }
        guard !name.hasPrefix(".") else { throw .leadingDot(name) }
        guard name.unicodeScalars.allSatisfy(Self.isAllowed) else { throw .character(name) }
        self.rawValue = name
    }

    /// A name known to satisfy the rules (a constant in this module).
    init(trusted name: String) {
        self.rawValue = name
    }

    /// The spelling two names are compared in: `Lintel` and `lintel` are the same name.
    package var folded: String { self.rawValue.lowercased() }
    package var description: String { self.rawValue }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || scalar == "." || scalar == "_" || scalar == "-"
    }
}

package enum InstanceNameError: Error, Equatable, CustomStringConvertible {
    case length(Int)
    case leadingDot(String)
    case character(String)

    package var description: String {
        switch self {
        case .length(let count): "a name is 1 to 64 characters, got \(count)"
        case .leadingDot(let name): "name '\(name)' starts with '.'"
        case .character(let name): "name '\(name)' may hold only ASCII letters, digits, '.', '_' and '-'"
        }
    }
}

/// One enrolled key, as stored at `instances/<name>.json` on `refs/cap/registry`.
package struct InstanceRecord: Sendable, Equatable {
    package var name: InstanceName
    package var author: AuthorID
    package var enrolledAt: Int64
    package var revokedAt: Int64?

    package init(name: InstanceName, author: AuthorID, enrolledAt: Int64, revokedAt: Int64? = nil) {
        self.name = name
        self.author = author
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
    }

    /// `instances/<name>.json`.
    package var path: String { "instances/\(self.name.rawValue).json" }

    /// The file's content: canonical JSON, so equal records are equal bytes.
    package var fileContent: [UInt8] {
        var members: [String: JSONValue] = [
            "name": .string(self.name.rawValue),
            "author": .string(self.author.rawValue),
            "enrolled_at": .integer(self.enrolledAt),
        ]
        if let revokedAt = self.revokedAt { members["revoked_at"] = .integer(revokedAt) }
        return CanonicalJSON.encode(.object(members))
    }

    /// Reads a record file.
    ///
    /// - Throws: `RegistryError.malformedRecord` naming what is wrong.
    package init(fileContent: [UInt8]) throws(RegistryError) {
        let value: JSONValue
        do { value = try JSONParser.parse(fileContent) } catch { throw .malformedRecord("\(error)") }
        guard let nameText = value["name"]?.stringValue, let authorText = value["author"]?.stringValue,
            let enrolledAt = value["enrolled_at"]?.integerValue
        else { throw .malformedRecord("needs 'name', 'author' and 'enrolled_at'") }
        do {
            self.name = try InstanceName(nameText)
            self.author = try AuthorID(parsing: authorText)
        } catch {
            throw .malformedRecord("\(error)")
        }
        self.enrolledAt = enrolledAt
        self.revokedAt = value["revoked_at"]?.integerValue
    }
}

/// The enrolled keys, by folded name and by author.
package struct InstanceRegistry: Sendable {
    private var byName: [String: InstanceRecord] = [:]
    private var byAuthor: [AuthorID: String] = [:]

    package init(records: [InstanceRecord] = []) throws(RegistryError) {
        for record in records { try self.enroll(record) }
    }

    /// - Throws: `RegistryError.nameTaken` when the name exists in any casing;
    ///   `.keyTaken` when the key is enrolled under another name.
    package mutating func enroll(_ record: InstanceRecord) throws(RegistryError) {
        if let existing = self.byName[record.name.folded] {
            throw .nameTaken(requested: record.name.rawValue, existing: existing.name.rawValue)
        }
        if let holder = self.byAuthor[record.author] { throw .keyTaken(author: record.author.rawValue, name: holder) }
        self.byName[record.name.folded] = record
        self.byAuthor[record.author] = record.name.folded
    }

    /// Marks the key revoked from `timestamp` on; its past operations stay valid.
    package mutating func revoke(_ name: InstanceName, at timestamp: Int64) throws(RegistryError) {
        guard var record = self.byName[name.folded] else { throw .unknownName(name.rawValue) }
        guard record.revokedAt == nil else { return }
        record.revokedAt = timestamp
        self.byName[name.folded] = record
    }

    package func record(named name: String) -> InstanceRecord? {
        self.byName[name.lowercased()]
    }

    package func record(for author: AuthorID) -> InstanceRecord? {
        self.byAuthor[author].flatMap { self.byName[$0] }
    }

    package var records: [InstanceRecord] { self.byName.values.sorted { $0.name.folded < $1.name.folded } }
}

package enum RegistryError: Error, Equatable, CustomStringConvertible {
    case nameTaken(requested: String, existing: String)
    case keyTaken(author: String, name: String)
    case unknownName(String)
    case malformedRecord(String)

    package var description: String {
        switch self {
        case .nameTaken(let requested, let existing):
            "name '\(requested)' is taken: '\(existing)' is enrolled (names are unique ignoring case)"
        case .keyTaken(let author, let name): "key \(author) is already enrolled as '\(name)'"
        case .unknownName(let name): "no instance named '\(name)' is enrolled"
        case .malformedRecord(let reason): "registry record is malformed: \(reason)"
        }
    }
}
