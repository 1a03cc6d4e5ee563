import ChorosCore
import Testing

/// Random and mutated entry files: parsing must give an entry or an EntryError, never crash;
/// whatever parses must survive compose → parse unchanged.
@Suite("Entry parser under random input")
struct EntryFuzzTests {
    private static let alphabet: [String] = [
        "---", "\n", "\r\n", ":", " ", ",", "[", "]", "\"", "\\", "title", "tags", "seq", "status", "a", "é", "\u{0}",
        "\u{2028}", "\\n", "\\\"", "x: y", "[a, b]", "\t", "#",
    ]

    @Test("10,000 random texts parse or fail with EntryError, and what parses round-trips", arguments: [7, 8])
    func randomTexts(seed: UInt64) throws {
        var generator = EntrySplitMix(seed: seed)
        for _ in 0..<5000 {
            let pieces = Int.random(in: 0...40, using: &generator)
            var text = Bool.random(using: &generator) ? "---\n" : ""
            for _ in 0..<pieces { text += Self.alphabet.randomElement(using: &generator) ?? "" }
            let entry: Entry
            do {
                entry = try Entry(parsing: text)
            } catch {
                continue
            }
            let reparsed = try Entry(parsing: entry.text)
            #expect(reparsed == entry, "round trip changed \(String(reflecting: text))")
        }
    }
}

struct EntrySplitMix: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
