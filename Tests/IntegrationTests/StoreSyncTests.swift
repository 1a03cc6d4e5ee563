import ChorosProto
import ChorosStore
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("choros-store: mirror, verify, fetch; durability; one store per repository", .timeLimit(.minutes(3)))
struct StoreSyncTests {
    @Test("push-all then verify matches git ls-remote; a deleted ref shows missing; non-fast-forward is refused")
    func mirror() async throws {
        try await StoreFixture.with { store in
            let canon = try await store.client.call(
                StoreRPC.bootstrap,
                .with {
                    $0.files = [
                        .with {
                            $0.path = "seed.md"
                            $0.content = Data("seed".utf8)
                        }
                    ]
                }
            ).canonOid
            let alice = try await store.commit("refs/cap/perspectives/alice", ["a.md": "a"])
            _ = try await store.client.call(
                StoreRPC.createTag,
                .with {
                    $0.name = "state/1"
                    $0.oid = canon
                }
            )
            let registry = try await store.tip("refs/cap/registry")
            let mirror = store.directory.appending("mirror.git")

            let report = try await store.client.call(StoreRPC.pushAll, .with { $0.remote = mirror })
            #expect(report.ok)
            #expect(
                report.synced.sorted() == [
                    "refs/cap/perspectives/alice", "refs/cap/registry", "refs/heads/main", "refs/tags/state/1",
                ]
            )
            let lsRemote = try await store.git(["ls-remote", mirror])
            let witnessed = lsRemote.split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(separator: "\t")
                return fields.count == 2 && fields[1] != "HEAD" ? "\(fields[1]) \(fields[0])" : nil
            }.sorted()
            #expect(
                witnessed == [
                    "refs/cap/perspectives/alice \(alice.commitOid)", "refs/cap/registry \(registry)",
                    "refs/heads/main \(canon)", "refs/tags/state/1 \(canon)",
                ]
            )

            // The mirror is whole by git's own check, and a second backup places only what is new.
            let fsck = try await ChildProcess.run(
                "/usr/bin/git",
                ["--git-dir", mirror, "fsck", "--full", "--strict"],
                outputDirectory: store.directory.path
            )
            #expect(fsck.status == 0, "git fsck of the mirror: \(fsck.error)")
            func objects(_ repository: String) throws -> Set<String> {
                Set(
                    try FileManager.default.subpathsOfDirectory(atPath: repository + "/objects").filter {
                        $0.count == 41
                    }
                )
            }
            let before = try objects(mirror)
            let bob = try await store.commit("refs/cap/perspectives/bob", ["b.md": "b"])
            #expect(try await store.client.call(StoreRPC.pushAll, .with { $0.remote = mirror }).ok)
            let placed = try objects(mirror).subtracting(before)
            #expect(placed == (try objects(store.gitDirectory)).subtracting(before), "exactly the objects it lacked")
            #expect(!placed.isEmpty && placed.count < before.count + 10)
            #expect(
                try await store.git(["--git-dir", mirror, "rev-parse", "refs/cap/perspectives/bob"]) == bob.commitOid
            )

            _ = try await ChildProcess.run(
                "/usr/bin/git",
                ["--git-dir", mirror, "update-ref", "-d", "refs/cap/perspectives/alice"],
                outputDirectory: store.directory.path
            )
            let afterDelete = try await store.client.call(StoreRPC.verifySync, .with { $0.remote = mirror })
            #expect(!afterDelete.ok && afterDelete.missingOnRemote == ["refs/cap/perspectives/alice"])
            _ = try await store.client.call(StoreRPC.pushAll, .with { $0.remote = mirror })

            // The mirror's canon moves to a commit that is not ours: our push is now non-fast-forward.
            let tree = try await ChildProcess.run(
                "/usr/bin/git",
                ["--git-dir", mirror, "mktree"],
                outputDirectory: store.directory.path
            )
            #expect(tree.status == 0)
            let foreign = try await ChildProcess.run(
                "/usr/bin/git",
                [
                    "--git-dir", mirror, "-c", "user.name=x", "-c", "user.email=x@x", "commit-tree",
                    "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "-m", "foreign",
                ],
                outputDirectory: store.directory.path
            )
            let foreignOid = foreign.output.trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try await ChildProcess.run(
                "/usr/bin/git",
                ["--git-dir", mirror, "update-ref", "refs/heads/main", foreignOid],
                outputDirectory: store.directory.path
            )
            let refused = await expectRPCError(.failedPrecondition) {
                try await store.client.call(StoreRPC.pushAll, .with { $0.remote = mirror })
            }
            #expect(refused?.message.contains("refs/heads/main") == true, "\(refused?.message ?? "")")
            let mismatch = try await store.client.call(StoreRPC.verifySync, .with { $0.remote = mirror })
            #expect(mismatch.oidMismatch == ["refs/heads/main"])
        }
    }

    @Test("fetch lands a mirror's refs under refs/remotes/fetched/; promote makes them live in an empty store only")
    func fetch() async throws {
        try await StoreFixture.with { source in
            let alice = try await source.commit("refs/cap/perspectives/alice", ["a.md": "a"], opID: "op_x")
            let mirror = source.directory.appending("mirror.git")
            _ = try await source.client.call(StoreRPC.pushAll, .with { $0.remote = mirror })
            try await StoreFixture.with { target in
                let fetched = try await target.client.call(StoreRPC.fetch, .with { $0.remote = mirror })
                #expect(
                    fetched.updated.map(\.name).sorted() == [
                        "refs/remotes/fetched/refs/cap/perspectives/alice", "refs/remotes/fetched/refs/cap/registry",
                    ]
                )
                await expectRPCError(.notFound, "a fetch moves no live ref") {
                    try await target.read("refs/cap/perspectives/alice", "a.md")
                }
                let promoted = try await target.client.call(StoreRPC.promote, .init())
                #expect(promoted.promoted.map(\.name).sorted() == ["refs/cap/perspectives/alice", "refs/cap/registry"])
                #expect(try await target.read("refs/cap/perspectives/alice", "a.md") == "a")
                let found = try await target.client.call(
                    StoreRPC.findOp,
                    .with { $0.opID = source.signer.opID("op_x") }
                )
                #expect(found.commitOid == alice.commitOid)
                let again = await expectRPCError(.permissionDenied) {
                    try await target.client.call(StoreRPC.promote, .init())
                }
                #expect(again?.message.contains("fills an empty store only") == true)
            }
        }
    }

    @Test("a repack of the live store (its objects moved into a pack, the loose ones deleted) leaves commits working")
    func repackWhileServing() async throws {
        try await StoreFixture.with { store in
            let ref = "refs/cap/perspectives/alice"
            let first = try await store.commit(ref, ["a.md": "a"], opID: "op_r1")
            // A commit batch stops libgit2 rescanning objects/pack per new object and rescans once
            // as it starts. (The objects this store just wrote also sit in libgit2's cache, so
            // this covers an operator's repack end to end rather than the rescan alone.)
            let repack = try await ChildProcess.run(
                "/usr/bin/git",
                ["--git-dir", store.gitDirectory, "repack", "-a", "-d", "-q"],
                outputDirectory: store.directory.path
            )
            #expect(repack.status == 0, "\(repack.output)")
            let second = try await store.commit(ref, ["b.md": "b"], expectedParent: first.commitOid, opID: "op_r2")
            #expect(second.parentOid == first.commitOid)
            #expect(try await store.read(ref, "a.md") == "a")
            #expect(try await store.read(ref, "b.md") == "b")
        }
    }

    @Test("SIGKILL during 500 commits loses no acknowledged commit; fsck is clean")
    func durability() async throws {
        try await StoreFixture.with { store in
            let ref = "refs/cap/perspectives/alice"
            let acknowledged = Shared<[String]>([])
            let inFlight = Shared<String?>(nil)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var parent = ""
                    for index in 0..<500 {
                        inFlight.mutate { $0 = "op_\(index)" }
                        do {
                            parent = try await store.commit(
                                ref,
                                ["n\(index).md": "\(index)"],
                                expectedParent: parent,
                                opID: "op_\(index)"
                            ).commitOid
                        } catch {
                            return
                        }
                        acknowledged.mutate { $0.append(parent) }
                    }
                }
                group.addTask {
                    while acknowledged.value.count < 60 { try await Task.sleep(for: .milliseconds(5)) }
                    try await store.stop(signal: SIGKILL)
                }
                try await group.waitForAll()
            }
            let acked = acknowledged.value
            #expect(acked.count >= 60 && acked.count < 500)
            try await store.start()
            let tip = try await store.tip(ref)
            let history = try await store.git(["rev-list", ref]).split(separator: "\n").map(String.init)
            for oid in acked { #expect(history.contains(oid), "acknowledged \(oid) lost") }
            if tip != acked.last {
                // The kill fell between the ref update and the reply: the tip is the in-flight
                // commit on top of the last acknowledged one, and its retry replays it.
                #expect(history.dropFirst().first == acked.last)
                let retry = try await store.commit(
                    ref,
                    ["n\(acked.count).md": "\(acked.count)"],
                    expectedParent: acked.last ?? "",
                    opID: inFlight.value ?? ""
                )
                #expect(retry.replayed && retry.commitOid == tip)
            }
            let fsck = try await ChildProcess.run(
                "/usr/bin/git",
                ["--git-dir", store.gitDirectory, "fsck", "--strict"],
                outputDirectory: store.directory.path
            )
            #expect(fsck.status == 0, "\(fsck.output)\(fsck.error)")
        }
    }

    @Test("a second store on the same repository exits at once naming the holder's pid")
    func secondStore() async throws {
        try await StoreFixture.with { store in
            // Another run directory, so only the repository's own lock can stop it.
            let other = store.directory.appending("other.toml")
            try "data_dir = \"\(store.directory.path)/other\"\ngit_dir = \"\(store.gitDirectory)\"\n"
                .write(toFile: other, atomically: true, encoding: .utf8)
            let second = try await ChildProcess.run(
                "choros-store",
                ["--config", other],
                outputDirectory: store.directory.path,
                timeout: .seconds(20)
            )
            #expect(second.status == 1)
            #expect(second.error.contains("held by pid \(store.daemon.value?.pid ?? -1)"), "\(second.error)")
        }
    }
}
