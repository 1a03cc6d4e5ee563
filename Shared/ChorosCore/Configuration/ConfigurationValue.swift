internal import Foundation

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
}

/// Where each raw value came from, keyed by configuration key.
package struct ConfigurationSource: Sendable {
    package var values: [String: (value: ConfigurationValue, origin: String)] = [:]
    /// The raw text of environment overrides, so a string key takes `CHOROS_NAME=true` as "true".
    package var environmentText: [String: String] = [:]

    package init() {}

    /// Parses flat TOML (`FlatTOML`).
    ///
    /// - Throws: `ConfigurationError` naming the line when the text is not TOML, or uses a
    ///   table header or a dotted key.
    package init(toml text: String, origin: String) throws {
        do {
            for (key, value) in try FlatTOML.parse(text) { self.values[key] = (value, origin) }
        } catch {
            let issue = ConfigurationIssue(
                key: "(syntax)",
                origin: origin,
                problem: "not valid TOML at line \(error.line): \(error.reason)"
            )
            throw ConfigurationError(issues: [issue])
        }
    }

    /// Overlays every `CHOROS_<KEY>` variable: a value that parses as a TOML value (`120`,
    /// `true`, `["a", "b"]`, `"x"`) takes that type, anything else is a string.
    package mutating func overlay(environment: [String: String]) {
        for (name, text) in environment where name.hasPrefix("CHOROS_") {
            let key = name.dropFirst("CHOROS_".count).lowercased()
            let parsed = FlatTOML.value(text)
            self.values[key] = (parsed ?? .string(text), name)
            self.environmentText[key] = text
        }
    }
}
