/// What one body field must hold.
enum FieldKind {
    /// A non-empty string.
    case text
    /// Text that may be empty (a message body may legitimately be "").
    case anyText
    /// The caller's request key: 1–128 of letters, digits, `. _ : -` (TOOLS.md).
    case requestKey
    /// A valid entry path (STORE.md rules).
    case path
    /// A lowercase domain of one or more path segments.
    case domain
    /// One path segment.
    case slug
    case opID
    /// A non-empty list of distinct op ids.
    case opIDs
    case claimKey
    case author
    /// An enrolled-name shape (IDENTITY.md name rules).
    case name
    /// A non-empty list of distinct names.
    case names
    /// A list of distinct non-empty strings (may be empty).
    case strings
    case object
    /// A list of objects, each with a non-empty string `kind`.
    case steps
    case integer(ClosedRange<Int64>)
    case oneOf([String])
    /// A full 40-hex git object id.
    case gitOID
    /// At least 8 lowercase hex digits of a git object id.
    case gitOIDPrefix
}

struct FieldRule {
    var name: String
    var kind: FieldKind
    var isRequired: Bool
}

/// A body's required and optional fields; unknown extra fields are kept (forward
/// compatibility) and signed like the rest.
struct BodySchema {
    var fields: [FieldRule]

    static func required(_ fields: (String, FieldKind)...) -> BodySchema {
        BodySchema(fields: fields.map { FieldRule(name: $0.0, kind: $0.1, isRequired: true) })
    }

    func optional(_ fields: (String, FieldKind)...) -> BodySchema {
        BodySchema(fields: self.fields + fields.map { FieldRule(name: $0.0, kind: $0.1, isRequired: false) })
    }

    func validate(_ body: [String: JSONValue]) throws(BodyError) {
        for rule in self.fields {
            guard let value = body[rule.name] else {
                if rule.isRequired { throw BodyError(field: rule.name, problem: "is required") }
                continue
            }
            try Self.check(value, as: rule.kind, field: rule.name)
        }
    }
}

/// One body field that does not hold what its type requires.
package struct BodyError: Error, Equatable, CustomStringConvertible {
    package var field: String
    package var problem: String

    package var description: String { "'\(self.field)' \(self.problem)" }
}
