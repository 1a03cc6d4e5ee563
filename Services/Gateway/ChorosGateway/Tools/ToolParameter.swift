internal import ChorosCore

/// One argument of a tool, as the catalog's JSON Schema shows it.
struct ToolParameter: Sendable {
    enum Kind: String, Sendable {
        case string
        case integer
        case boolean
        case strings
        case object
        case objects
    }

    let name: String
    let kind: Kind
    let required: Bool
    let defaultValue: JSONValue?
    let summary: String

    static func required(_ name: String, _ summary: String, _ kind: Kind = .string) -> ToolParameter {
        ToolParameter(name: name, kind: kind, required: true, defaultValue: nil, summary: summary)
    }

    static func optional(
        _ name: String,
        _ summary: String,
        _ kind: Kind = .string,
        default defaultValue: JSONValue? = nil
    ) -> ToolParameter {
        ToolParameter(name: name, kind: kind, required: false, defaultValue: defaultValue, summary: summary)
    }

    /// The caller's request key every write takes (TOOLS.md, Idempotency).
    static let opID = ToolParameter.required(
        "op_id",
        "a key you choose for this act (1-128 of letters, digits, . _ : -); retrying with it never writes twice"
    )

    var schema: JSONValue {
        var members: [String: JSONValue] = ["description": .string(self.summary)]
        switch self.kind {
        case .string: members["type"] = "string"
        case .integer: members["type"] = "integer"
        case .boolean: members["type"] = "boolean"
        case .strings:
            members["type"] = "array"
            members["items"] = ["type": "string"]
        case .object: members["type"] = "object"
        case .objects:
            members["type"] = "array"
            members["items"] = ["type": "object"]
        }
        if let defaultValue = self.defaultValue { members["default"] = defaultValue }
        return .object(members)
    }

    static func schema(_ parameters: [ToolParameter]) -> JSONValue {
        .object([
            "type": "object",
            "properties": .object(Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.schema) })),
            "required": .array(parameters.filter(\.required).map { .string($0.name) }),
            "additionalProperties": false,
        ])
    }
}
