/// A search request made safe for FTS5: the caller's words become terms that `RankingPlan`
/// quotes, so no FTS5 syntax (`"`, `*`, `NEAR(`, `-`, `:`) from the caller ever reaches SQLite.
struct SearchQuery: Sendable, Equatable {
    /// Longer queries are refused with a message, not truncated silently.
    static let maximumBytes = 10_000
    /// Only the first terms count; the rest would add cost, not precision.
    static let maximumTerms = 32

    let terms: [String]

    init(_ text: String) throws(SearchError) {
        guard text.utf8.count <= Self.maximumBytes else {
            throw .queryTooLong(bytes: text.utf8.count, limit: Self.maximumBytes)
        }
        var terms: [String] = []
        var current = ""
        for character in text {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                terms.append(current)
                current = ""
            }
        }
        if !current.isEmpty { terms.append(current) }
        self.terms = Array(terms.prefix(Self.maximumTerms))
    }
}

/// Why a search was refused.
enum SearchError: Error, Equatable, CustomStringConvertible {
    case queryTooLong(bytes: Int, limit: Int)
    case unknownScope(String)
    case scopeNeedsCaller

    var description: String {
        switch self {
        case .queryTooLong(let bytes, let limit): "query is \(bytes) bytes; the limit is \(limit)"
        case .unknownScope(let scope): "scope '\(scope)' is not 'canon', 'mine' or 'all'"
        case .scopeNeedsCaller: "scope 'mine' needs the caller's name"
        }
    }
}
