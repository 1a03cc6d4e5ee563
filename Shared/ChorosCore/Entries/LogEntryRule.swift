/// CANON.md: every proposal carries exactly one log entry, `meta/log/<seq>.md`, `type: log`,
/// front-matter `seq` equal to the file name in lowercase hex, and `seq` one past canon's.
package enum LogEntryRule {
    package static let directory = "meta/log/"

    /// The log entries among a proposal's changed paths.
    package static func logEntries(in paths: [String]) -> [String] {
        paths.filter { $0.hasPrefix(Self.directory) }.sorted()
    }

    /// Whether `slug` is a well-formed seq name: lowercase hex, no leading zero padding.
    package static func isSeqName(_ slug: String) -> Bool {
        guard let first = slug.first, slug.count <= 15 else { return false }
        return slug.allSatisfy { $0.isHexDigit && !$0.isUppercase } && (first != "0" || slug == "0")
    }

    /// Checks the log entries of a proposal; `read` returns an entry's text.
    package static func check(
        changedPaths: [String],
        expectedSeq: Int,
        read: @Sendable (String) async throws -> String?
    ) async throws -> LogEntryProblem? {
        let expected = String(expectedSeq, radix: 16)
        let found = Self.logEntries(in: changedPaths)
        guard found.count == 1, let path = found.first else {
            return found.isEmpty ? .missing(expected: expected) : .several(found, expected: expected)
        }
        let name = String(path.dropFirst(Self.directory.count))
        guard name.hasSuffix(".md"), !name.dropLast(3).contains("/") else { return .misnamed(path, expected: expected) }
        let slug = String(name.dropLast(3))
        if slug.lowercased() != slug, Self.isSeqName(slug.lowercased()) { return .uppercase(path, expected: expected) }
        guard Self.isSeqName(slug) else { return .misnamed(path, expected: expected) }
        guard slug == expected else { return .wrongNumber(path, expected: expected) }
        let entry = try await read(path).flatMap { try? Entry(parsing: $0) }
        guard entry?.scalar("type") == "log" else { return .wrongType(path, found: entry?.scalar("type") ?? "none") }
        guard entry?.scalar("seq") == slug else { return .seqMismatch(path, found: entry?.scalar("seq") ?? "none") }
        return nil
    }
}

package enum LogEntryProblem: Error, Equatable, CustomStringConvertible {
    case missing(expected: String)
    case several([String], expected: String)
    case misnamed(String, expected: String)
    case uppercase(String, expected: String)
    case wrongNumber(String, expected: String)
    case wrongType(String, found: String)
    case seqMismatch(String, found: String)

    package var description: String {
        switch self {
        case .missing(let expected):
            "no log entry: the proposal needs exactly one, meta/log/\(expected).md"
        case .several(let paths, let expected):
            "\(paths.count) log entries (\(paths.joined(separator: ", "))): exactly one is allowed, meta/log/\(expected).md"
        case .misnamed(let path, let expected):
            "log entry \(path) is misnamed: expected meta/log/\(expected).md (lowercase hex)"
        case .uppercase(let path, let expected):
            "log entry \(path) is uppercase: seq names are lowercase hex, expected meta/log/\(expected).md"
        case .wrongNumber(let path, let expected):
            "log entry \(path) has the wrong number: canon expects seq \(expected) (meta/log/\(expected).md)"
        case .wrongType(let path, let found): "log entry \(path) must have 'type: log', found '\(found)'"
        case .seqMismatch(let path, let found): "log entry \(path) must carry 'seq' equal to its name, found '\(found)'"
        }
    }
}
