import ChorosCore
import ChorosProto
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("Store changed paths", .serialized)
struct StoreDiffTests {
    @Test("changed paths and merges agree with git's own diff, including a name that turns from file to directory")
    func changedPathsMatchGit() async throws {
        try await StoreFixture.with { store in
            let ref = "refs/cap/perspectives/alice"
            let first = try await store.commit(
                ref,
                ["a.md": "1", "a/b.md": "2", "a-z.md": "3", "deep/x/y/z.md": "4", "keep/k.md": "5", "gone/g.md": "6"]
            ).commitOid
            let middle = try await store.commit(ref, [:], deleting: ["a.md", "gone/g.md"], expectedParent: first)
                .commitOid
            let second = try await store.commit(
                ref,
                ["a.md/inner.md": "7", "deep/x/y/z.md": "4'", "deep/x/new.md": "8", "b.md": "9"],
                expectedParent: middle
            ).commitOid
            let changes = try await store.client.call(
                StoreRPC.changedPaths,
                .with {
                    $0.from = first
                    $0.to = second
                }
            )
            let witness = try await store.git(["diff", "--name-status", "--no-renames", first, second])
            var expected: [String: [String]] = ["A": [], "D": [], "M": []]
            for line in witness.split(separator: "\n") {
                let parts = line.split(separator: "\t")
                expected[String(parts[0]), default: []].append(String(parts[1]))
            }
            #expect(changes.added.sorted() == expected["A"]!.sorted())
            #expect(changes.removed.sorted() == expected["D"]!.sorted())
            #expect(changes.modified.sorted() == expected["M"]!.sorted())
            #expect(changes.added.contains("a.md/inner.md") && changes.removed.contains("a.md"))
        }
    }
}
