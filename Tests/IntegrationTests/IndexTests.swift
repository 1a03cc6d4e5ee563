import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("choros-index: search over canon and perspectives", .timeLimit(.minutes(3)))
struct IndexTests {
    private func upsert(
        _ fixture: DaemonFixture,
        _ ref: String,
        _ paths: [String]
    ) async throws -> Choros_V1_UpsertResponse {
        try await fixture.index.call(
            IndexRPC.upsert,
            .with {
                $0.targets = paths.map { path in
                    .with {
                        $0.ref = ref
                        $0.path = path
                    }
                }
            }
        )
    }

    private func search(
        _ fixture: DaemonFixture,
        _ query: String,
        scope: String = "all",
        type: String = "",
        caller: String = "",
        superseded: Bool = false
    ) async throws -> [Choros_V1_SearchHit] {
        try await fixture.index.call(
            IndexRPC.search,
            .with {
                $0.query = query
                $0.scope = scope
                $0.type = type
                $0.caller = caller
                $0.includeSuperseded = superseded
            }
        ).hits
    }

    /// Canon (bootstrapped by the practitioner), alice's and bob's perspectives, a proposal,
    /// and messages and vantages that all mention "lantern".
    private func seed(_ fixture: DaemonFixture) async throws {
        _ = try await fixture.store.call(
            StoreRPC.bootstrap,
            .with {
                $0.author = "practitioner"
                $0.files = [
                    .with {
                        $0.path = "practice/lantern.md"
                        $0.content = Data("---\ntype: kno\ntitle: The lantern rule\n---\n\nCarry the lantern.".utf8)
                    }
                ]
            }
        )
        try await fixture.commit(
            "refs/cap/perspectives/alice",
            [
                "notes/lantern-a.md": "---\ntitle: Alice on lanterns\n---\n\nA lantern note.",
                "notes/old.md":
                    "---\ntitle: Old lantern\nstatus: superseded\nsuperseded_by: notes/lantern-a.md\n---\n\nlantern, superseded",
                "messages/m1.md": "---\ntype: msg\nsubject: lantern\nrecipients: [bob]\n---\n\nlantern message",
                "vantages/v1.md": "---\ntype: vap\ntitle: lantern vantage\n---\n\nlantern",
                "notes/sneaky.md": "---\ntype: msg\ntitle: lantern\n---\n\nlantern typed msg at a normal path",
                "messages/kno.md": "---\ntype: kno\ntitle: lantern\n---\n\nlantern kno under messages/",
            ],
            author: "alice"
        )
        try await fixture.commit(
            "refs/cap/perspectives/bob",
            ["notes/lantern-b.md": "---\ntype: ori\n---\n\nBob's lantern orientation."],
            author: "bob"
        )
        let canon = try await fixture.store.call(StoreRPC.resolve, .with { $0.ref = "refs/heads/main" }).oid
        _ = try await fixture.store.call(
            StoreRPC.createBranch,
            .with {
                $0.ref = "refs/cap/proposals/p1"
                $0.oid = canon
            }
        )
        try await fixture.commit(
            "refs/cap/proposals/p1",
            ["practice/proposed.md": "lantern proposal"],
            author: "alice"
        )

        #expect(try await self.upsert(fixture, "refs/heads/main", ["practice/lantern.md"]).upserted == 1)
        let alice = try await self.upsert(
            fixture,
            "refs/cap/perspectives/alice",
            [
                "notes/lantern-a.md", "notes/old.md", "messages/m1.md", "vantages/v1.md", "notes/sneaky.md",
                "messages/kno.md",
            ]
        )
        #expect(alice.upserted == 6)
        _ = try await self.upsert(fixture, "refs/cap/perspectives/bob", ["notes/lantern-b.md"])
        #expect(try await self.upsert(fixture, "refs/cap/proposals/p1", ["practice/proposed.md"]).skipped == 1)
    }

    @Test("hits are attributed and filtered by scope, type and status; proposals are never indexed")
    func search() async throws {
        try await DaemonFixture.with(daemons: ["store", "index"]) { fixture in
            try await self.seed(fixture)
            let all = try await self.search(fixture, "lantern")
            #expect(Set(all.map(\.path)) == ["practice/lantern.md", "notes/lantern-a.md", "notes/lantern-b.md"])
            let canon = try #require(all.first { $0.isCanon })
            #expect(
                canon.author == "practitioner" && canon.ref == "refs/heads/main" && canon.title == "The lantern rule"
            )
            #expect(all.allSatisfy { $0.score > 0 && !$0.preview.isEmpty })
            #expect(try await self.search(fixture, "lantern", scope: "canon").map(\.path) == ["practice/lantern.md"])
            #expect(try await self.search(fixture, "lantern", scope: "mine", caller: "bob").map(\.author) == ["bob"])
            #expect(try await self.search(fixture, "lantern", type: "ori").map(\.path) == ["notes/lantern-b.md"])
            #expect(try await self.search(fixture, "lantern", superseded: true).contains { $0.path == "notes/old.md" })
            #expect(try await self.search(fixture, "proposal").isEmpty)
        }
    }

    @Test(
        "messages and vantages never appear in search, whatever the scope or type says, BM25 or hybrid",
        arguments: ["none", "hashed"]
    )
    func privateKinds(backend: String) async throws {
        try await DaemonFixture.with(daemons: ["store", "index"], extraConfiguration: "embed_backend = \"\(backend)\"")
        {
            fixture in
            try await self.seed(fixture)
            for scope in ["all", "canon", "mine"] {
                for type in ["", "msg", "vap", "kno"] {
                    for superseded in [false, true] {
                        let hits = try await self.search(
                            fixture,
                            "lantern message vantage",
                            scope: scope,
                            type: type,
                            caller: "alice",
                            superseded: superseded
                        )
                        #expect(
                            hits.allSatisfy {
                                !$0.path.hasPrefix("messages/") && !$0.path.hasPrefix("vantages/") && $0.type != "msg"
                                    && $0.type != "vap"
                            },
                            "scope \(scope), type \(type): \(hits.map(\.path))"
                        )
                    }
                }
            }
        }
    }

    @Test("bad queries are answered sensibly, never with an SQL error")
    func badInput() async throws {
        try await DaemonFixture.with(daemons: ["store", "index"]) { fixture in
            try await self.seed(fixture)
            let long = await expectRPCError(.invalidArgument) {
                try await self.search(fixture, String(repeating: "lantern ", count: 13_000))
            }
            #expect(long?.message.contains("limit") == true)
            for syntax in [
                "\"lantern", "lant*", "NEAR(lantern, rule)", "-lantern", "title:lantern", "lantern AND OR NOT",
                "'); DROP TABLE entries; --",
            ] {
                let hits = try await self.search(fixture, syntax)
                #expect(hits.count <= 3, "\(syntax)")
            }
            #expect(try await self.search(fixture, "").isEmpty)
            #expect(try await self.search(fixture, "   ,;  ").isEmpty)
            let zero = try await fixture.index.call(
                IndexRPC.search,
                .with {
                    $0.query = "lantern"
                    $0.limit = 0
                }
            )
            #expect(zero.hits.count == 3)
            let huge = try await fixture.index.call(
                IndexRPC.search,
                .with {
                    $0.query = "lantern"
                    $0.limit = 10_000
                }
            )
            #expect(huge.hits.count == 3)
            await expectRPCError(.invalidArgument) { try await self.search(fixture, "lantern", scope: "everything") }
            await expectRPCError(.invalidArgument) { try await self.search(fixture, "lantern", scope: "mine") }
        }
    }

    @Test("an upsert of a path that no longer exists deletes its row")
    func upsertDeletes() async throws {
        try await DaemonFixture.with(daemons: ["store", "index"]) { fixture in
            try await self.seed(fixture)
            let tip = try await fixture.store.call(StoreRPC.resolve, .with { $0.ref = "refs/cap/perspectives/bob" }).oid
            var request = Choros_V1_CommitRequest()
            request.ref = "refs/cap/perspectives/bob"
            request.author = "bob"
            request.expectedParent = tip
            request.changes = [
                .with {
                    $0.path = "notes/lantern-b.md"
                    $0.delete = true
                }
            ]
            try await fixture.signer.sign(&request)
            _ = try await fixture.store.call(StoreRPC.commit, request)
            let result = try await self.upsert(fixture, "refs/cap/perspectives/bob", ["notes/lantern-b.md"])
            #expect(result.deleted == 1)
            #expect(try await self.search(fixture, "lantern", scope: "mine", caller: "bob").isEmpty)
            let stats = try await fixture.index.call(IndexRPC.stats, .init())
            #expect(stats.entries == 7 && stats.byType["msg"] == 2)
        }
    }

    @Test("content carried in an upsert is taken only when it hashes to its blob id")
    func carriedContentIsChecked() async throws {
        try await DaemonFixture.with(daemons: ["store", "index"]) { fixture in
            let text = "---\ntitle: Carried\n---\n\nA carried lantern.\n"
            func target(_ content: String, oid: String) -> Choros_V1_IndexTarget {
                .with {
                    $0.ref = "refs/cap/perspectives/bob"
                    $0.path = "notes/carried.md"
                    $0.content = Data(content.utf8)
                    $0.blobOid = oid
                }
            }
            // git itself names the blob: an independent witness of the id the index checks.
            let file = fixture.directory.appending("carried.md")
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let hashed = try await ChildProcess.run(
                "/usr/bin/git",
                ["hash-object", file],
                outputDirectory: fixture.directory.path
            )
            let oid = hashed.output.trimmingCharacters(in: .whitespacesAndNewlines)
            // Someone else's text under that id is refused, naming the mismatch; nothing is indexed.
            let error = await expectRPCError(.invalidArgument) {
                try await fixture.index.call(
                    IndexRPC.upsert,
                    .with { $0.targets = [target("A forged lantern.", oid: oid)] }
                )
            }
            #expect(error?.message.contains("does not hash to blob_oid") == true)
            #expect(try await self.search(fixture, "lantern", scope: "mine", caller: "bob").isEmpty)
            let taken = try await fixture.index.call(IndexRPC.upsert, .with { $0.targets = [target(text, oid: oid)] })
            #expect(taken.upserted == 1)
            #expect(try await self.search(fixture, "carried", scope: "mine", caller: "bob").count == 1)
        }
    }

    /// Issue 20: an upsert the index never got (its call failed, the index stayed up) was lost
    /// until someone ran reindex. Each upsert now names the move it follows; a gap sends the
    /// index to the store for what it missed, and a late copy of the missed upsert changes
    /// nothing.
    @Test("an upsert that does not follow the ref's mark catches the ref up from the store; a late one is harmless")
    func gapsCatchUp() async throws {
        try await DaemonFixture.with(daemons: ["store", "audit", "index"]) { fixture in
            let ref = "refs/cap/perspectives/alice"
            func tip() async throws -> String {
                try await fixture.store.call(StoreRPC.resolve, .with { $0.ref = ref }).oid
            }
            func upsert(_ path: String, from: String, to: String) async throws -> Choros_V1_UpsertResponse {
                try await fixture.index.call(
                    IndexRPC.upsert,
                    .with {
                        $0.targets = [
                            .with {
                                $0.ref = ref
                                $0.path = path
                            }
                        ]
                        $0.advance = .with {
                            $0.ref = ref
                            $0.fromOid = from
                            $0.toOid = to
                        }
                    }
                )
            }
            try await fixture.commit(ref, ["notes/a.md": "---\ntitle: A\n---\n\nFirst lantern."], author: "alice")
            let first = try await tip()
            #expect(try await upsert("notes/a.md", from: "", to: first).caughtUp == false)
            try await fixture.commit(ref, ["notes/b.md": "---\ntitle: B\n---\n\nMissed lantern."], author: "alice")
            let missed = try await tip()
            try await fixture.commit(ref, ["notes/c.md": "---\ntitle: C\n---\n\nThird lantern."], author: "alice")
            let third = try await tip()

            let next = try await upsert("notes/c.md", from: missed, to: third)
            #expect(next.caughtUp && next.upserted == 2, "b.md and c.md, from the store: \(next)")
            let found = try await self.search(fixture, "lantern").map(\.path).sorted()
            #expect(found == ["notes/a.md", "notes/b.md", "notes/c.md"])

            let late = try await upsert("notes/b.md", from: first, to: missed)
            #expect(late.caughtUp && late.upserted == 0, "the mark is past it: \(late)")
            let before = try await self.search(fixture, "lantern")
            _ = try await fixture.index.call(IndexRPC.reindex, .init(), options: CallOptions(timeout: .seconds(60)))
            #expect(try await self.search(fixture, "lantern") == before, "the rows equal a fresh reindex")

            // A forged advance (to a commit git does not have) sets a bogus mark; the next
            // catch-up cannot diff from it, compares blob ids instead, and loses nothing.
            let forged = String(repeating: "f", count: 40)
            #expect(try await upsert("notes/a.md", from: third, to: forged).caughtUp == false)
            try await fixture.commit(ref, ["notes/d.md": "---\ntitle: D\n---\n\nFourth lantern."], author: "alice")
            let fourth = try await tip()
            let healed = try await upsert("notes/d.md", from: third, to: fourth)
            #expect(healed.caughtUp && healed.upserted == 1, "d.md, found by comparing blob ids: \(healed)")
            let all = try await self.search(fixture, "lantern").map(\.path).sorted()
            #expect(all == ["notes/a.md", "notes/b.md", "notes/c.md", "notes/d.md"])
            #expect(try await upsert("notes/d.md", from: third, to: fourth).caughtUp == false, "the mark is real again")
        }
    }

    /// Issue 19: a gap wider than the writer's deadline was caught up inside the writer's call,
    /// so the deadline cancelled it, and every later write found the same gap and spent its
    /// whole deadline again (the gateway's upserts wait two seconds at most).
    @Test("a catch-up outlives the upsert that started it: a caller's deadline does not leave the gap open")
    func catchUpOutlivesItsCaller() async throws {
        try await DaemonFixture.with(daemons: ["store", "audit", "index"]) { fixture in
            let ref = "refs/cap/perspectives/alice"
            try await fixture.commit(ref, ["notes/first.md": "---\ntitle: First\n---\n\nBefore."], author: "alice")
            let first = try await fixture.store.call(StoreRPC.resolve, .with { $0.ref = ref }).oid
            var files: [String: String] = [:]
            for index in 0..<150 { files["notes/e\(index).md"] = "---\ntitle: E\(index)\n---\n\nWidegap \(index)." }
            try await fixture.commit(ref, files, author: "alice")
            let tip = try await fixture.store.call(StoreRPC.resolve, .with { $0.ref = ref }).oid
            let request = Choros_V1_UpsertRequest.with {
                $0.targets = [
                    .with {
                        $0.ref = ref
                        $0.path = "notes/e0.md"
                    }
                ]
                $0.advance = .with {
                    $0.ref = ref
                    $0.fromOid = first
                    $0.toOid = tip
                }
            }
            // Each call gives up after 40 ms, mid catch-up (150 paths). One that reached the
            // index leaves the catch-up running; without that, each would start it over and
            // be cancelled again, and the gap would never close.
            let entries = try await eventually(timeout: .seconds(60)) {
                _ = try? await fixture.index.call(
                    IndexRPC.upsert,
                    request,
                    options: CallOptions(timeout: .milliseconds(40))
                )
                try await Task.sleep(for: .milliseconds(200))
                return try await fixture.index.call(HealthRPC.check, .init()).figures["entries"]
            } until: {
                $0 == "151"
            }
            #expect(entries == "151")
        }
    }

    @Test("deleting index.sqlite: the index rebuilds itself as it starts, and a reindex reproduces the same results")
    func reindex() async throws {
        try await DaemonFixture.with(daemons: ["store", "audit", "index"]) { fixture in
            try await self.seed(fixture)
            let queries = ["lantern", "orientation", "rule carry", "notes"]
            var before: [[Choros_V1_SearchHit]] = []
            for query in queries { before.append(try await self.search(fixture, query, superseded: true)) }

            try await fixture.stop("index")
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: fixture.directory.path + "/data/index.sqlite" + suffix)
            }
            try await fixture.start("index")
            // Nobody asks: the index catches up every ref from the store as it starts.
            let caughtUp = try await eventually(
                { try await self.search(fixture, "lantern", superseded: true) },
                until: { $0 == before[0] }
            )
            #expect(caughtUp == before[0])
            let rebuilt = try await fixture.index.call(
                IndexRPC.reindex,
                .init(),
                options: CallOptions(timeout: .seconds(60))
            )
            #expect(rebuilt.entries == 8 && rebuilt.refs == 3)
            for (query, expected) in zip(queries, before) {
                #expect(try await self.search(fixture, query, superseded: true) == expected, "\(query)")
            }
            let stats = try await fixture.index.call(IndexRPC.stats, .init())
            #expect(!stats.reindexing && stats.reindexDone == 8 && stats.reindexTotal == 8)
        }
    }
}
