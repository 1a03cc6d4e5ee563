import ChorosCore
import Foundation
import Testing

@Suite("Entry front-matter")
struct EntryTests {
    @Test("a title with newlines and field lines cannot inject a field")
    func titleInjection() throws {
        var entry = try Entry(fields: [("type", .scalar("kno")), ("status", .scalar("active"))], body: "Body.")
        try entry.set("title", .scalar("Innocent\nseq: ff\nstatus: superseded\n---\nbody: evil"))
        let parsed = try Entry(parsing: entry.text)
        #expect(parsed == entry)
        #expect(parsed.scalar("status") == "active")
        #expect(parsed["seq"] == nil)
        #expect(parsed.fields.map(\.key) == ["type", "status", "title"])
        #expect(parsed.body == "Body.")
        #expect(entry.text.components(separatedBy: "\n").filter { $0.hasPrefix("seq:") }.isEmpty)
    }

    @Test(
        "scalars that look like syntax round-trip",
        arguments: [
            "[not, a, list]", "\"quoted\"", "  padded  ", "tab\there", "", "unicode ✓ — ok", "line\u{2028}sep", "a: b",
        ]
    )
    func trickyScalars(_ value: String) throws {
        let entry = try Entry(fields: [("title", .scalar(value))], body: "")
        #expect(try Entry(parsing: entry.text).scalar("title") == value)
    }

    @Test("list items with commas, brackets and quotes round-trip")
    func listRoundTrip() throws {
        let items = ["plain", "with, comma", "[bracketed]", "a]b", "say \"hi\"", " spaced ", "", "back\\slash", "x\ny"]
        let entry = try Entry(fields: [("tags", .list(items)), ("references", .list([]))], body: "text\n")
        let parsed = try Entry(parsing: entry.text)
        #expect(parsed.list("tags") == items)
        #expect(parsed["references"] == .list([]))
        #expect(parsed.body == "text\n")
    }

    /// Found by the entry fuzz target: a combining mark right after a '"' (or ':' or ',')
    /// fused with it into one Character, so the quoted value read back as plain text.
    @Test("syntax followed by a combining mark round-trips: quotes, colons and commas are found as scalars")
    func combiningMarks() throws {
        let entry = try Entry(
            fields: [
                ("title", .scalar("\u{618}x\u{0}y")),
                ("note", .scalar("\"\u{301}quoted")),
                ("supersedes", .list(["\u{301}a", "b,\u{301}c", "\u{10}d"])),
            ],
            body: "Body."
        )
        #expect(try Entry(parsing: entry.text) == entry)
        let written = try Entry(parsing: "---\ntitle:\u{301} x\nlist: [a,\u{301} b]\n---\n\nBody.")
        #expect(written.scalar("title") == "\u{301} x".trimmingCharacters(in: .whitespaces))
        #expect(written.list("list") == ["a", "\u{301} b".trimmingCharacters(in: .whitespaces)])
    }

    @Test("a Stasima-written entry parses")
    func stasimaEntry() throws {
        let text = """
            ---
            type: kno
            title: Notes on reconciliation: what the cursor means
            status: superseded
            superseded_by: practice/reconciliation-v2.md
            tags: [coherence, practice]
            references: [technical/orientation/syntax.md, meta/log/3b.md]
            canon_state: 4f1c2ab0913d
            author: lintel
            ---

            # Notes on reconciliation

            The cursor is the last canon tip you pulled.
            ---
            Not front-matter: a horizontal rule in the body.
            """
        let entry = try Entry(parsing: text)
        #expect(entry.scalar("type") == "kno")
        #expect(entry.scalar("title") == "Notes on reconciliation: what the cursor means")
        #expect(entry.scalar("superseded_by") == "practice/reconciliation-v2.md")
        #expect(entry.list("tags") == ["coherence", "practice"])
        #expect(entry.list("references") == ["technical/orientation/syntax.md", "meta/log/3b.md"])
        #expect(entry.body.hasPrefix("# Notes on reconciliation\n"))
        #expect(entry.body.hasSuffix("Not front-matter: a horizontal rule in the body."))
        #expect(try Entry(parsing: entry.text) == entry)
    }

    @Test("CRLF front-matter parses")
    func crlf() throws {
        let entry = try Entry(parsing: "---\r\ntype: log\r\nseq: 3c\r\n---\r\n\r\nbody\r\n")
        #expect(entry.scalar("type") == "log")
        #expect(entry.scalar("seq") == "3c")
        #expect(entry.body == "body\r\n")
    }

    @Test("a body whose first line is --- round-trips, with or without fields")
    func bodyStartingWithRule() throws {
        for fields: [(key: String, value: Entry.Value)] in [[], [("type", .scalar("kno"))]] {
            let entry = try Entry(fields: fields, body: "---\nnot: a field\n---\ntext")
            let parsed = try Entry(parsing: entry.text)
            #expect(parsed == entry)
            #expect(parsed["not"] == nil)
        }
    }

    @Test("plain markdown is all body")
    func plainMarkdown() throws {
        let entry = try Entry(parsing: "# Title\n\ntext")
        #expect(entry.fields.isEmpty)
        #expect(entry.text == "# Title\n\ntext")
    }

    static let malformed: [(String, EntryError)] = [
        ("---\ntype: kno\n", .unterminatedFrontMatter),
        ("---\ntype: kno\ntype: log\n---\n", .duplicateField("type")),
        ("---\njust words\n---\n", .malformedLine(line: 2, text: "just words")),
        ("---\nTitle: x\n---\n", .invalidKey("Title")),
        ("---\ntags: [a, b\n---\n", .malformedList(key: "tags", reason: "no closing ']'")),
        ("---\ntags: [\"a, b]\n---\n", .malformedList(key: "tags", reason: "an unterminated quoted item")),
        ("---\ntags: [\"a\" \"b\"]\n---\n", .malformedList(key: "tags", reason: "items must be separated by ','")),
    ]

    @Test("malformed front-matter is refused with the reason", arguments: Self.malformed.indices)
    func malformedFrontMatter(_ index: Int) {
        let (text, expected) = Self.malformed[index]
        #expect(throws: expected) { try Entry(parsing: text) }
    }

    @Test("keys that carry syntax are refused when composing")
    func invalidKeys() {
        for key in ["", "Title", "a b", "a:b", "x\ny", "-x"] {
            #expect(throws: EntryError.invalidKey(key)) { try Entry(fields: [(key, .scalar("v"))], body: "") }
        }
    }
}
