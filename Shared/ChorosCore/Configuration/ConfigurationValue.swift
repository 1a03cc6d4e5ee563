internal import Foundation
internal import TOMLKit

/// A value read from `choros.toml` or a `CHOROS_*` variable, before it is checked against
/// the type its key expects.
package enum ConfigurationValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case array([ConfigurationValue])
    /// A TOML type no key uses (tables, dates); named for the error message.
    case unsupported(typeName: String)

    package var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a floating-point number"
        case .boolean: "a boolean"
        case .array: "an array"
        case .unsupported(let typeName): typeName
        }
    }

    init(_ toml: any TOMLValueConvertible) {
        switch toml.type {
        case .string: self = .string(toml.string ?? "")
        case .int: self = .integer(toml.int ?? 0)
        case .double: self = .float(toml.double ?? 0)
        case .bool: self = .boolean(toml.bool ?? false)
        case .array: self = .array((toml.array.map(Array.init) ?? []).map(ConfigurationValue.init))
        case .table: self = .unsupported(typeName: "a table (choros.toml is flat)")
        case .date, .time, .dateTime: self = .unsupported(typeName: "a date or time")
        }
    }
}

/// Where each raw value came from, keyed by configuration key.
package struct ConfigurationSource: Sendable {
    package var values: [String: (value: ConfigurationValue, origin: String)] = [:]
    /// The raw text of environment overrides, so a string key takes `CHOROS_NAME=true` as "true".
    package var environmentText: [String: String] = [:]

    package init() {}

    /// Parses flat TOML.
    ///
    /// - Throws: `ConfigurationError` naming the line when the text is not TOML.
    package init(toml text: String, origin: String) throws {
        if let line = TableHeaderGuard.firstMalformedHeader(in: text) {
            let issue = ConfigurationIssue(
                key: "(syntax)",
                origin: origin,
                problem:
                    "not valid TOML at line \(line): a malformed table header (choros.toml is flat: no [sections])"
            )
            throw ConfigurationError(issues: [issue])
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let issue = ConfigurationIssue(
                key: "(syntax)",
                origin: origin,
                problem: "not valid TOML at line \(error.source.begin.line): \(error.description)"
            )
            throw ConfigurationError(issues: [issue])
        }
        for key in table.keys {
            guard let value = table[key] else { continue }
            self.values[key] = (ConfigurationValue(value), origin)
        }
    }

    /// Overlays every `CHOROS_<KEY>` variable: a value that parses as a TOML value (`120`,
    /// `true`, `["a", "b"]`, `"x"`) takes that type, anything else is a string.
    package mutating func overlay(environment: [String: String]) {
        for (name, text) in environment where name.hasPrefix("CHOROS_") {
            let key = name.dropFirst("CHOROS_".count).lowercased()
            let toml = "value = \(text)"
            let parsed =
                TableHeaderGuard.firstMalformedHeader(in: toml) == nil
                ? (try? TOMLTable(string: toml))?["value"].map(ConfigurationValue.init) : nil
            self.values[key] = (parsed ?? .string(text), name)
            self.environmentText[key] = text
        }
    }
}
