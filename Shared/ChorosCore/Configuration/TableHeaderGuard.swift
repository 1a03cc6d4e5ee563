/// Refuses a malformed table header before toml++ sees it.
///
/// toml++ asserts (debug) or assumes (release, undefined behaviour) that a header's `[` or `[[`
/// is followed by a key, a quote or `]`; `[` then a newline, `#`, `=`, `{` or a third `[`
/// aborts the process or reads out of bounds (both found by the config fuzz target).
/// choros.toml is flat, so a header is an error either way: this one is named instead.
enum TableHeaderGuard {
    /// - Returns: the 1-based line of the first header toml++ cannot survive, or nil.
    static func firstMalformedHeader(in text: String) -> Int? {
        var number = 0
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if Self.isMalformedHeader(line) { return number }
        }
        return nil
    }

    private static func isMalformedHeader(_ line: Substring.UTF8View.SubSequence) -> Bool {
        var rest = line.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard rest.first == UInt8(ascii: "[") else { return false }
        rest = rest.dropFirst()
        if rest.first == UInt8(ascii: "[") { rest = rest.dropFirst() }
        rest = rest.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let next = rest.first else { return true }
        return !Self.canFollowBracket(next)
    }

    private static func canFollowBracket(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
            UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "]"):
            true
        default: false
        }
    }
}
