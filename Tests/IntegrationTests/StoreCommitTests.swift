import ChorosProto
import ChorosStore
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("choros-store: reads and commits", .timeLimit(.minutes(3)))
struct StoreCommitTests {
    let perspective = "refs/cap/perspectives/alice"

    @Test("reads: resolve, blobs at ref and commit, ref vs path misses, refs, paths, history, changes, ancestry")
    func reads() async throws {
        try await StoreFixture.with { store in
            let first = try await store.commit(
                self.perspective,
                ["practice/a.md": "A", "practice/deep/b.md": "B"],
                opID: "op_1",
                key: "k1"
            )
            let second = try await store.commit(
                self.perspective,
                ["practice/c.md": "C", "practice/a.md": "A2"],
                deleting: ["practice/deep/b.md"],
                expectedParent: first.commitOid,
                opID: "op_2",
                key: "k2"
            )
            #expect(try await store.tip(self.perspective) == second.commitOid)
            #expect(try await store.read(self.perspective, "practice/a.md") == "A2")
            #expect(try await store.read(first.commitOid, "practice/a.md") == "A")
            #expect(try await store.read(first.commitOid, "practice/deep/b.md") == "B")

            let noRef = await expectRPCError(.notFound) {
                try await store.read("refs/cap/perspectives/nobody", "practice/a.md")
            }
            #expect(noRef?.details["kind"] == "ref")
            let noPath = await expectRPCError(.notFound) {
                try await store.read(self.perspective, "practice/missing.md")
            }
            #expect(noPath?.details["kind"] == "path")
            let noCommit = await expectRPCError(.notFound) {
                try await store.read(String(repeating: "a", count: 40), "x.md")
            }
            #expect(noCommit?.details["kind"] == "commit")

            let blob = try await store.client.call(
                StoreRPC.blobOid,
                .with {
                    $0.rev = self.perspective
                    $0.path = "practice/c.md"
                }
            )
            #expect(blob.blobOid == (try await store.git(["rev-parse", "\(second.commitOid):practice/c.md"])))

            // Many files in one round trip: in order, a miss answered as such, bounds named.
            let many = try await store.client.call(
                StoreRPC.readBlobs,
                .with {
                    $0.rev = first.commitOid
                    $0.paths = ["practice/deep/b.md", "practice/missing.md", "practice/a.md"]
                }
            )
            #expect(many.commitOid == first.commitOid)
            #expect(many.blobs.map(\.path) == ["practice/deep/b.md", "practice/missing.md", "practice/a.md"])
            #expect(many.blobs.map(\.found) == [true, false, true])
            #expect(many.blobs.map { String(decoding: $0.content, as: UTF8.self) } == ["B", "", "A"])
            let tooMany = await expectRPCError(.resourceExhausted) {
                _ = try await store.client.call(
                    StoreRPC.readBlobs,
                    .with {
                        $0.rev = first.commitOid
                        $0.paths = (0...1000).map { "p/\($0).md" }
                    }
                )
            }
            #expect(tooMany?.message.contains("at most 1000") == true)
            _ = await expectRPCError(.invalidArgument) {
                _ = try await store.client.call(
                    StoreRPC.readBlobs,
                    .with {
                        $0.rev = first.commitOid
                        $0.paths = ["../escape.md"]
                    }
                )
            }

            try await store.commit("refs/cap/perspectives/bob", ["x.md": "x"], author: "bob")
            let refs = try await store.client.call(StoreRPC.listRefs, .with { $0.prefix = "refs/cap/perspectives/" })
            #expect(refs.refs.map(\.name) == ["refs/cap/perspectives/alice", "refs/cap/perspectives/bob"])
            // A prefix lists by the directory it names (libgit2's glob walk), partial names too.
            for (prefix, names) in [
                ("refs/cap/perspectives/a", ["refs/cap/perspectives/alice"]),
                ("refs/cap/", ["refs/cap/perspectives/alice", "refs/cap/perspectives/bob", "refs/cap/registry"]),
                ("refs/tags/state/", []), ("refs/cap/perspectives/*", []),
            ] {
                let listed = try await store.client.call(StoreRPC.listRefs, .with { $0.prefix = prefix })
                #expect(listed.refs.map(\.name) == names, "\(prefix)")
            }

            try await store.commit(self.perspective, ["practice/deep/e/f.md": "F"], expectedParent: second.commitOid)
            let all = try await store.client.call(
                StoreRPC.listPaths,
                .with {
                    $0.rev = self.perspective
                    $0.recursive = true
                }
            )
            #expect(all.paths.sorted() == ["practice/a.md", "practice/c.md", "practice/deep/e/f.md"])
            let deep = try await store.client.call(
                StoreRPC.listPaths,
                .with {
                    $0.rev = self.perspective
                    $0.prefix = "practice/deep"
                    $0.recursive = true
                }
            )
            #expect(deep.paths == ["practice/deep/e/f.md"])
            let shallow = try await store.client.call(
                StoreRPC.listPaths,
                .with {
                    $0.rev = self.perspective
                    $0.prefix = "practice"
                }
            )
            #expect(shallow.paths.sorted() == ["practice/a.md", "practice/c.md"])

            let history = try await store.client.call(
                StoreRPC.history,
                .with {
                    $0.rev = self.perspective
                    $0.path = "practice/a.md"
                }
            )
            #expect(history.entries.map(\.oid) == [second.commitOid, first.commitOid])
            #expect(history.entries.map(\.opID) == ["op_2", "op_1"].map(store.signer.opID))
            #expect(history.entries.first?.author == "alice")

            let changes = try await store.client.call(
                StoreRPC.changedPaths,
                .with {
                    $0.from = first.commitOid
                    $0.to = second.commitOid
                }
            )
            #expect(changes.added == ["practice/c.md"])
            #expect(changes.removed == ["practice/deep/b.md"])
            #expect(changes.modified == ["practice/a.md"])

            let forward = try await store.client.call(
                StoreRPC.isAncestor,
                .with {
                    $0.ancestor = first.commitOid
                    $0.descendant = second.commitOid
                }
            )
            let backward = try await store.client.call(
                StoreRPC.isAncestor,
                .with {
                    $0.ancestor = second.commitOid
                    $0.descendant = first.commitOid
                }
            )
            #expect(forward.isAncestor && !backward.isAncestor)
        }
    }

    @Test("commit: canon refused, create-only, CAS naming both oids, trailers, single parent, deletion")
    func commitSemantics() async throws {
        try await StoreFixture.with { store in
            await expectRPCError(.permissionDenied) { try await store.commit("refs/heads/main", ["a.md": "x"]) }
            let first = try await store.commit(self.perspective, ["a.md": "1"], opID: "op_a", key: "key-a")
            let exists = await expectRPCError(.aborted) { try await store.commit(self.perspective, ["b.md": "2"]) }
            #expect(exists?.message.contains(first.commitOid) == true)
            let stale = String(repeating: "0", count: 40)
            let cas = await expectRPCError(.aborted) {
                try await store.commit(self.perspective, ["b.md": "2"], expectedParent: stale)
            }
            #expect(cas?.message.contains(stale) == true && cas?.message.contains(first.commitOid) == true)

            let second = try await store.commit(
                self.perspective,
                [:],
                deleting: ["a.md"],
                expectedParent: first.commitOid
            )
            #expect(second.parentOid == first.commitOid)
            #expect(
                try await store.git(["rev-list", "--parents", "-n", "1", second.commitOid])
                    == "\(second.commitOid) \(first.commitOid)"
            )
            #expect(try await store.git(["ls-tree", "-r", "--name-only", second.commitOid]) == "")
            let message = try await store.git(["log", "-1", "--format=%B", first.commitOid])
            #expect(
                message.contains("op-id: \(store.signer.opID("op_a"))") && message.contains("key: key-a")
                    && message.contains("instance-id: alice") && message.contains("op-envelope: ")
            )
            #expect(
                try await store.git(["log", "-1", "--format=%an <%ae>", first.commitOid])
                    == "alice <alice@choros.local>"
            )
            await expectRPCError(.notFound) {
                try await store.commit(self.perspective, [:], deleting: ["gone.md"], expectedParent: second.commitOid)
            }
        }
    }

    @Test("the same op id returns the original commit after 50 others and after a restart")
    func idempotency() async throws {
        try await StoreFixture.with { store in
            let original = try await store.commit(
                self.perspective,
                ["a.md": "original"],
                opID: "op_first",
                key: "k-first"
            )
            var tip = original.commitOid
            for index in 0..<50 {
                tip = try await store.commit(
                    self.perspective,
                    ["n\(index).md": "\(index)"],
                    expectedParent: tip,
                    opID: "op_\(index)"
                ).commitOid
            }
            let retry = try await store.commit(
                self.perspective,
                ["a.md": "original"],
                expectedParent: tip,
                opID: "op_first"
            )
            #expect(retry.replayed && retry.commitOid == original.commitOid)
            #expect(retry.blobs.first?.blobOid == original.blobs.first?.blobOid)
            let byKey = try await store.commit(
                self.perspective,
                ["a.md": "different"],
                expectedParent: tip,
                opID: "op_new",
                key: "k-first"
            )
            #expect(byKey.replayed && byKey.commitOid == original.commitOid)
            #expect(byKey.blobs.first?.blobOid != nil && byKey.blobs.first?.blobOid == original.blobs.first?.blobOid)
            #expect(try await store.tip(self.perspective) == tip, "a replay changes nothing")

            try await store.stop()
            try FileManager.default.removeItem(atPath: store.gitDirectory + "/choros-op-index")
            try await store.start()
            let afterRestart = try await store.commit(
                self.perspective,
                ["a.md": "original"],
                expectedParent: tip,
                opID: "op_first"
            )
            #expect(
                afterRestart.replayed && afterRestart.commitOid == original.commitOid,
                "rebuilt from commit trailers"
            )
            let found = try await store.client.call(StoreRPC.findOp, .with { $0.opID = store.signer.opID("op_25") })
            #expect(found.ref == self.perspective)
        }
    }

    /// Issue 20's wedged instance: a SIGKILL between libgit2's ref lock and its rename left
    /// `<ref>.lock`, and every later write of that ref was refused as a race to retry.
    @Test("a ref lock a killed store left is cleared at start; a lock held by anything else is named, not a race")
    func staleRefLock() async throws {
        try await StoreFixture.with { store in
            let first = try await store.commit(self.perspective, ["a.md": "one"], opID: "op_one")
            let lock = store.gitDirectory + "/refs/cap/perspectives/alice.lock"
            #expect(FileManager.default.createFile(atPath: lock, contents: Data()))
            do {
                _ = try await store.commit(
                    self.perspective,
                    ["b.md": "two"],
                    expectedParent: first.commitOid,
                    opID: "op_two"
                )
                Issue.record("a commit through a held lock succeeded")
            } catch let error as RPCError {
                #expect(error.code == .failedPrecondition, "\(error)")
                #expect(error.message.contains("alice is locked"), "\(error)")
            }
            let unmoved = try await store.tip(self.perspective)
            #expect(unmoved == first.commitOid, "nothing moved")

            try await store.stop()
            try await store.start()
            #expect(!FileManager.default.fileExists(atPath: lock), "the stale lock is gone")
            let second = try await store.commit(
                self.perspective,
                ["b.md": "two"],
                expectedParent: first.commitOid,
                opID: "op_two"
            )
            let tip = try await store.tip(self.perspective)
            #expect(!second.replayed && tip == second.commitOid)
        }
    }

    @Test("a request key that could forge a commit trailer is refused, naming request_key")
    func requestKeyInjection() async throws {
        try await StoreFixture.with { store in
            var request = Choros_V1_CommitRequest()
            request.ref = self.perspective
            request.changes = [
                .with {
                    $0.path = "a.md"
                    $0.content = Data("one".utf8)
                }
            ]
            request.author = "alice"
            request.requestKey = "k1"
            try await store.signer.sign(&request)
            request.requestKey = "k1\nop-id: op_forged"
            let refused = await expectRPCError(.invalidArgument) {
                try await store.client.call(StoreRPC.commit, request)
            }
            #expect(refused?.message.contains("request_key") == true, "\(String(describing: refused))")
            await expectRPCError(.notFound) {
                try await store.client.call(StoreRPC.resolve, .with { $0.ref = self.perspective })
            }
        }
    }

    @Test("CommitOps since a mark reads only what followed it; a since that is no commit here reads the whole ref")
    func commitOpsSince() async throws {
        try await StoreFixture.with { store in
            let first = try await store.commit(self.perspective, ["a.md": "one"], opID: "op_one")
            let second = try await store.commit(
                self.perspective,
                ["b.md": "two"],
                expectedParent: first.commitOid,
                opID: "op_two"
            )
            func read(since: String) async throws -> Choros_V1_CommitOpsResponse {
                try await store.client.call(
                    StoreRPC.commitOps,
                    .with {
                        $0.ref = self.perspective
                        $0.since = since
                    }
                )
            }
            let after = try await read(since: first.commitOid)
            #expect(after.commits.map(\.oid) == [second.commitOid] && after.tip == second.commitOid)
            #expect(try await read(since: second.commitOid).commits.isEmpty)
            let blob = second.blobs.first?.blobOid ?? ""
            #expect(blob.count == 40)
            // A caller's since that is garbage, unknown or not a commit costs a full read, not an error.
            for since in ["", "not-hex\n", String(repeating: "0", count: 40), blob] {
                #expect(try await read(since: since).commits.count == 2, "since \(since.debugDescription)")
            }
        }
    }

    static let refusedPaths = [
        "../x", "/abs", "a//b", ".git/config", "a\u{0}b", "a\\b", String(repeating: "p", count: 513), "cafe\u{301}.md",
    ]

    @Test("every path rule refuses with INVALID_ARGUMENT before touching git", arguments: Self.refusedPaths)
    func badPaths(_ path: String) async throws {
        try await StoreFixture.with { store in
            let first = try await store.commit(self.perspective, ["ok.md": "ok"])
            await expectRPCError(.invalidArgument, "\(path)") {
                try await store.commit(self.perspective, [path: "x"], expectedParent: first.commitOid)
            }
            await expectRPCError(.invalidArgument) { try await store.read(self.perspective, path) }
            #expect(try await store.tip(self.perspective) == first.commitOid)
        }
    }

    @Test("tags: state tags on canon only, create-only, same oid is a no-op, another oid is refused")
    func tags() async throws {
        try await StoreFixture.with { store in
            let canon = try await store.client.call(
                StoreRPC.bootstrap,
                .with { $0.files = [.with { $0.path = "seed.md" }] }
            ).canonOid
            let first = (oid: canon, commitOid: canon)
            let second = try await store.commit(self.perspective, ["b.md": "2"])
            let offCanon = await expectRPCError(.permissionDenied) {
                try await store.client.call(
                    StoreRPC.createTag,
                    .with {
                        $0.name = "state/2"
                        $0.oid = second.commitOid
                    }
                )
            }
            #expect(offCanon?.message.contains("a state tag must be a commit of canon") == true)
            await expectRPCError(.invalidArgument, "the store keeps state tags only") {
                try await store.client.call(
                    StoreRPC.createTag,
                    .with {
                        $0.name = "other/1"
                        $0.oid = canon
                    }
                )
            }
            let created = try await store.client.call(
                StoreRPC.createTag,
                .with {
                    $0.name = "state/1"
                    $0.oid = first.commitOid
                }
            )
            #expect(!created.alreadyExisted)
            let again = try await store.client.call(
                StoreRPC.createTag,
                .with {
                    $0.name = "state/1"
                    $0.oid = first.commitOid
                }
            )
            #expect(again.alreadyExisted)
            let moved = await expectRPCError(.alreadyExists) {
                try await store.client.call(
                    StoreRPC.createTag,
                    .with {
                        $0.name = "state/1"
                        $0.oid = second.commitOid
                    }
                )
            }
            #expect(moved?.message.contains(first.commitOid) == true)
            #expect(try await store.git(["rev-parse", "refs/tags/state/1"]) == first.commitOid)
        }
    }

    @Test("concurrency: 8 writers on 8 refs and 8 racing on one ref lose no update")
    func concurrency() async throws {
        try await StoreFixture.with { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        var parent = ""
                        for index in 0..<10 {
                            parent = try await store.commit(
                                "refs/cap/perspectives/w\(writer)",
                                ["f\(index).md": "\(index)"],
                                expectedParent: parent,
                                author: "w\(writer)"
                            ).commitOid
                        }
                    }
                }
                try await group.waitForAll()
            }
            for writer in 0..<8 {
                #expect(try await store.git(["rev-list", "--count", "refs/cap/perspectives/w\(writer)"]) == "10")
            }

            let base = try await store.commit("refs/cap/perspectives/race", ["base.md": "0"], author: "race")
            let outcomes = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for racer in 0..<8 {
                    group.addTask {
                        do {
                            let won = try await store.commit(
                                "refs/cap/perspectives/race",
                                ["r\(racer).md": "\(racer)"],
                                expectedParent: base.commitOid,
                                author: "race"
                            )
                            return (racer, won.commitOid)
                        } catch let error as RPCError where error.code == .aborted {
                            return (racer, nil)
                        }
                    }
                }
                return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
            }
            let winners = outcomes.compactMap(\.1)
            #expect(winners.count == 1, "exactly one racer wins, the others get ABORTED")
            #expect(try await store.tip("refs/cap/perspectives/race") == winners.first)
            #expect(try await store.git(["rev-list", "--count", "refs/cap/perspectives/race"]) == "2")
        }
    }

    @Test(
        "group commit: concurrent commits share writer turns, an in-turn retry replays, SIGKILL loses no acknowledged commit"
    )
    func groupCommitDurability() async throws {
        try await StoreFixture.with { store in
            let acknowledged = Shared<[(ref: String, oid: String, path: String)]>([])
            let batched = Shared(0.0)
            // The same request key twice at once: one commit, both answered with it.
            let twins = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await store.commit("refs/cap/perspectives/twin", ["t.md": "t"], key: "twin", author: "twin")
                            .commitOid
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(twins.count == 1)
            #expect(try await store.git(["rev-list", "--count", "refs/cap/perspectives/twin"]) == "1")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        var parent = ""
                        for index in 0..<500 {
                            let ref = "refs/cap/perspectives/g\(writer)"
                            let path = "f\(index).md"
                            let response: Choros_V1_CommitResponse
                            do {
                                response = try await store.commit(
                                    ref,
                                    [path: "\(index)"],
                                    expectedParent: parent,
                                    author: "g\(writer)"
                                )
                                parent = response.commitOid
                            } catch {
                                if acknowledged.value.count < 200 { Issue.record("before the kill: \(error)") }
                                return
                            }
                            acknowledged.mutate { $0.append((ref, response.commitOid, path)) }
                        }
                    }
                }
                group.addTask {
                    let deadline = ContinuousClock.now + .seconds(60)
                    while acknowledged.value.count < 200, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    let health = try await store.client.call(HealthRPC.check, .init())
                    batched.mutate { $0 = Double(health.figures["commits_per_turn"] ?? "") ?? 0 }
                    try await store.stop(signal: SIGKILL)
                }
                try await group.waitForAll()
            }
            #expect(batched.value > 1, "concurrent commits shared no writer turn")
            try await store.start()
            // Each writer's commits chain, so its last acknowledged one on its ref vouches for
            // the rest; every acknowledged file is read back at the ref's tip.
            let lastByRef = Dictionary(
                acknowledged.value.map { ($0.ref, $0.oid) },
                uniquingKeysWith: { _, last in last }
            )
            for (ref, oid) in lastByRef {
                _ = try await store.git(["merge-base", "--is-ancestor", oid, ref])
            }
            for (ref, _, path) in acknowledged.value {
                #expect(!(try await store.read(ref, path)).isEmpty, "\(path) on \(ref) was acknowledged, then lost")
            }
            // Staged commits a kill cut off before their ref moved are dangling, never missing.
            #expect(try await store.git(["fsck", "--connectivity-only", "--no-dangling"]).isEmpty)
        }
    }
}
