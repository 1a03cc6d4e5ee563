import ChorosCore
import ChorosTesting
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
        var generator = SeededGenerator(seed: seed)
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
