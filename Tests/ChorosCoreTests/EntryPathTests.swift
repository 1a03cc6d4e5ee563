import ChorosCore
import ChorosProto
import ChorosWire
import Testing

@Suite("Entry paths")
struct EntryPathTests {
    @Test(
        "valid paths pass",
        arguments: ["practice/notes.md", "meta/log/3c.md", "a", "été/naïve.md", "a/b-c_d.e/f.md", "x.gitignore/y"]
    )
    func valid(_ path: String) throws {
        #expect(try EntryPath(path).rawValue == path)
    }

    static let invalidPaths: [(String, EntryPathError)] = [
        ("", .empty),
        ("../x", .dotComponent(path: "../x", component: "..")),
        ("a/./b", .dotComponent(path: "a/./b", component: ".")),
        ("/abs", .absolute("/abs")),
        ("a//b", .emptyComponent("a//b")),
        ("a/", .emptyComponent("a/")),
        (".git/config", .gitComponent(".git/config")),
        ("x/.GIT/y", .gitComponent("x/.GIT/y")),
        ("a\u{0}b", .controlCharacter(path: "a\u{0}b", codePoint: 0)),
        ("a\nb", .controlCharacter(path: "a\nb", codePoint: 10)),
        ("a\\b", .backslash("a\\b")),
        (String(repeating: "a", count: 513), .tooLong(bytes: 513, limit: 512)),
        ("cafe\u{301}.md", .notNFC("cafe\u{301}.md")),
    ]

    @Test("every rule of STORE.md refuses with its own reason", arguments: Self.invalidPaths.indices)
    func invalid(_ index: Int) {
        let (path, expected) = Self.invalidPaths[index]
        #expect(throws: expected) { try EntryPath(path) }
        #expect(expected.rpcError.code == .invalidArgument)
    }

    @Test("512 bytes is allowed, counted in UTF-8")
    func byteLimit() throws {
        _ = try EntryPath(String(repeating: "a", count: 512))
        #expect(throws: EntryPathError.tooLong(bytes: 514, limit: 512)) {
            try EntryPath(String(repeating: "é", count: 257))
        }
    }
}
