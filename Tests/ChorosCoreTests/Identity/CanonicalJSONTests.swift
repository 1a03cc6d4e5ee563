import ChorosTesting
import Testing

@testable import ChorosCore

@Suite("Canonical JSON (RFC 8785, integer subset)")
struct CanonicalJSONTests {
    private func canonical(_ text: String) throws -> String {
        String(decoding: try CanonicalJSON.canonicalize(Array(text.utf8)), as: UTF8.self)
    }

    @Test("RFC 8785 §3.2.3: members sorted by UTF-16 code units")
    func rfcSorting() throws {
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let expected =
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\","
            + "\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        #expect(try self.canonical(input) == expected)
    }

    @Test("RFC 8785 §3.2.2: strings and literals (the float part is outside the subset)")
    func rfcStringsAndLiterals() throws {
        let input = #"""
            {
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        #expect(try self.canonical(input) == #"{"literals":[null,true,false],"string":"€$\u000f\nA'B\"\\\\\"/"}"#)
    }

    @Test("the RFC's float example is refused, not rounded")
    func rfcNumbersRefused() {
        #expect(throws: JSONError.floatNotAllowed(offset: 13)) {
            try self.canonical(#"{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3]}"#)
        }
    }

    static let refused: [(String, JSONError)] = [
        (#"{"a":1.5}"#, .floatNotAllowed(offset: 5)),
        (#"{"a":1e3}"#, .floatNotAllowed(offset: 5)),
        (#"{"a":1,"a":2}"#, .duplicateKey("a")),
        ("9007199254740992", .integerOutOfRange(offset: 0)),
        ("-9007199254740992", .integerOutOfRange(offset: 0)),
        ("012", .leadingZero(offset: 0)),
        (#""\ud800""#, .invalidString(offset: 0, reason: "a lone surrogate")),
        (#""\udc00x""#, .invalidString(offset: 0, reason: "a lone surrogate")),
        ("\"a\u{1}\"", .invalidString(offset: 0, reason: "an unescaped control character")),
        ("{\"a\":1} x", .trailingData(offset: 8)),
        ("[1,", .unexpectedEnd),
        (String(repeating: "[", count: 65) + String(repeating: "]", count: 65), .tooDeep(limit: 64)),
    ]

    @Test("outside the subset is refused with the reason", arguments: Self.refused.indices)
    func refusedInput(_ index: Int) {
        let (text, expected) = Self.refused[index]
        #expect(throws: expected) { try self.canonical(text) }
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        #expect(throws: JSONError.invalidString(offset: 0, reason: "invalid UTF-8")) {
            try CanonicalJSON.canonicalize([0x22, 0xC3, 0x28, 0x22])
        }
    }

    @Test("±(2^53−1) is accepted; -0 is 0")
    func integerBounds() throws {
        #expect(
            try self.canonical("[9007199254740991,-9007199254740991,-0,0]")
                == "[9007199254740991,-9007199254740991,0,0]"
        )
    }

    @Test("JCS escaping: controls as lowercase \\u00xx, DEL and U+2028 literal")
    func escaping() {
        let value: JSONValue = .string("\u{1F}\u{7F}\u{2028}\t\u{8}\u{C}")
        #expect(String(decoding: CanonicalJSON.encode(value), as: UTF8.self) == "\"\\u001f\u{7F}\u{2028}\\t\\b\\f\"")
    }

    @Test("parse → canonicalize → parse is stable, and key order never matters", arguments: [11, 12, 13])
    func properties(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<300 {
            let value = Self.randomValue(depth: 0, using: &generator)
            let canonical = CanonicalJSON.encode(value)
            let reparsed = try JSONParser.parse(canonical)
            #expect(reparsed == value)
            #expect(CanonicalJSON.encode(reparsed) == canonical)
            let shuffled = Self.writeShuffled(value, using: &generator)
            #expect(try CanonicalJSON.canonicalize(Array(shuffled.utf8)) == canonical)
        }
    }

    static func randomValue(depth: Int, using generator: inout SeededGenerator) -> JSONValue {
        let strings = ["", "a", "é", "\u{1}", "\"\\", "😀", "\u{FB33}", "key", "\u{2028}"]
        switch Int.random(in: 0...(depth > 3 ? 3 : 5), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2:
            return .integer(Int64.random(in: -JSONValue.maximumInteger...JSONValue.maximumInteger, using: &generator))
        case 3: return .string(strings.randomElement(using: &generator) ?? "")
        case 4:
            return .array(
                (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                    randomValue(depth: depth + 1, using: &generator)
                }
            )
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &generator) {
                members[
                    (strings.randomElement(using: &generator) ?? "") + String(Int.random(in: 0...9, using: &generator))
                ] =
                    randomValue(depth: depth + 1, using: &generator)
            }
            return .object(members)
        }
    }

    /// Writes `value` as JSON with object members in a random order and random spacing.
    static func writeShuffled(_ value: JSONValue, using generator: inout SeededGenerator) -> String {
        switch value {
        case .object(let members):
            let parts = members.shuffled(using: &generator).map { key, member in
                String(decoding: CanonicalJSON.encode(.string(key)), as: UTF8.self) + " : "
                    + writeShuffled(member, using: &generator)
            }
            return "{ " + parts.joined(separator: " ,\n") + " }"
        case .array(let items):
            return "[ " + items.map { writeShuffled($0, using: &generator) }.joined(separator: ", ") + " ]"
        default:
            return String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
        }
    }
}
