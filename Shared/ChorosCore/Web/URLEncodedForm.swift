internal import Foundation

/// `application/x-www-form-urlencoded` fields, from a query string or a body, for both web
/// faces (the HTTP door, the cockpit). A parameter may appear once (RFC 6749, 3.1): a repeated
/// name makes the whole form unreadable rather than letting one copy win.
package struct URLEncodedForm: Sendable {
    private let fields: [String: String]

    package init?(_ text: Substring) {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), !name.isEmpty,
                let value = Self.decode(parts.count > 1 ? parts[1] : ""),
                fields[name] == nil
            else { return nil }
            fields[name] = value
        }
        self.fields = fields
    }

    /// A request target's query string (the part after `?`), or no fields.
    package init?(query uri: String) {
        let query = uri.firstIndex(of: "?").map { uri[uri.index(after: $0)...] } ?? ""
        self.init(query)
    }

    /// A value, or nil when the field is absent or empty.
    package subscript(name: String) -> String? {
        self.fields[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

/// Text made safe for an HTML element or a quoted attribute.
package enum HTMLText {
    package static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
