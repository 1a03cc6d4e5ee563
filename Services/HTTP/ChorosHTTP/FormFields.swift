internal import Foundation

/// `application/x-www-form-urlencoded` fields, from a query string or a body. OAuth says a
/// parameter appears at most once (RFC 6749, 3.1), so a repeated name makes the whole thing
/// unreadable rather than letting one copy win.
struct FormFields: Sendable {
    private let fields: [String: String]

    init?(_ text: Substring) {
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

    /// A request's query string (the part after `?`), or no fields.
    init?(query uri: String) {
        let query = uri.firstIndex(of: "?").map { uri[uri.index(after: $0)...] } ?? ""
        self.init(query)
    }

    subscript(name: String) -> String? {
        self.fields[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
