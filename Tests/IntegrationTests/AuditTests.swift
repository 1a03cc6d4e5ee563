import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import GRDB
import SwiftProtobuf
import Testing

@testable import ChorosAudit

@Suite("choros-audit: the hash-chained log", .serialized, .timeLimit(.minutes(5)))
struct AuditTests {
    @Test("append (single, atomic batch), head, count, latest, events paging, is-read, find, head-at")
    func operations() async throws {
        try await DaemonFixture.with { audit in
            let first = try await audit.append([event("alice", "entry.commit", path: "a.md", opID: "op_1", key: "k1")])
            #expect(first.map(\.seq) == [1] && first[0].prevHash == String(repeating: "0", count: 64))
            let batch = try await audit.append([
                event("alice", "message.read", path: "messages/m1.md", ref: "refs/cap/perspectives/bob"),
                event("bob", "entry.commit", path: "b.md", opID: "op_2", key: "k2"),
                event("alice", "entry.commit", path: "c.md", opID: "op_3", key: "k3"),
            ])
            #expect(batch.map(\.seq) == [2, 3, 4] && batch[0].prevHash == first[0].hash)
            await expectRPCError(.invalidArgument, "one bad event refuses the whole batch") {
                try await audit.append([event("alice", "entry.commit"), event("", "entry.commit")])
            }
            var float = event("alice", "x")
            float.detail = Data("{\"n\":1.5}".utf8)
            await expectRPCError(.invalidArgument, "floats are refused in detail") { try await audit.append([float]) }

            let head = try await audit.audit.call(AuditRPC.head, .init())
            #expect(head.seq == 4 && head.hash == batch[2].hash)
            #expect(try await audit.audit.call(AuditRPC.count, .init()).count == 4)
            let latest = try await audit.audit.call(
                AuditRPC.latest,
                .with {
                    $0.op = "entry.commit"
                    $0.actor = "alice"
                }
            )
            #expect(latest.found && latest.event.seq == 4)
            #expect(
                !(try await audit.audit.call(
                    AuditRPC.latest,
                    .with {
                        $0.op = "nothing"
                        $0.actor = "alice"
                    }
                )).found
            )

            let page1 = try await audit.audit.call(
                AuditRPC.events,
                .with {
                    $0.actor = "alice"
                    $0.limit = 2
                }
            )
            #expect(page1.events.map(\.seq) == [1, 2] && page1.hasMore_p)
            let page2 = try await audit.audit.call(
                AuditRPC.events,
                .with {
                    $0.actor = "alice"
                    $0.limit = 2
                    $0.sinceSeq = page1.nextSinceSeq
                }
            )
            #expect(page2.events.map(\.seq) == [4] && !page2.hasMore_p)

            let read = try await audit.audit.call(
                AuditRPC.isRead,
                .with {
                    $0.keys = [
                        .with {
                            $0.reader = "alice"
                            $0.ref = "refs/cap/perspectives/bob"
                            $0.path = "messages/m1.md"
                        },
                        .with {
                            $0.reader = "alice"
                            $0.ref = "refs/cap/perspectives/bob"
                            $0.path = "messages/m2.md"
                        },
                        .with {
                            $0.reader = "carol"
                            $0.ref = "refs/cap/perspectives/bob"
                            $0.path = "messages/m1.md"
                        },
                    ]
                }
            )
            #expect(read.isRead == [true, false, false])
            #expect(try await audit.audit.call(AuditRPC.find, .with { $0.opID = "op_2" }).events.map(\.seq) == [3])
            #expect(
                try await audit.audit.call(
                    AuditRPC.find,
                    .with {
                        $0.requestKey = "k3"
                        $0.actor = "alice"
                    }
                ).events.map(\.seq) == [4]
            )
            #expect(try await audit.audit.call(AuditRPC.headAt, .with { $0.seq = 4 }).hash == head.hash)
            await expectRPCError(.outOfRange) { try await audit.audit.call(AuditRPC.headAt, .with { $0.seq = 9 }) }
            let verified = try await audit.verify()
            #expect(verified.ok && verified.count == 4 && verified.anchor == .none)
        }
    }

    /// The 300-kill soak's duplicate: a client that timed out retried a claim under its request
    /// key with a freshly signed op while the first attempt was still running, and both were
    /// recorded. The append itself now finds the first.
    @Test("an act retried under its request key with a new op id is recorded once; a denial is not merged")
    func sameRequestOnce() async throws {
        try await DaemonFixture.with { audit in
            let first = try await audit.append([event("w0", "claim.assert", path: "ck_1", opID: "op_a", key: "w0-437")])
            let again = try await audit.append([event("w0", "claim.assert", path: "ck_1", opID: "op_b", key: "w0-437")])
            #expect(again.map(\.seq) == first.map(\.seq), "the retry returns the first event")
            let other = try await audit.append([event("w1", "claim.assert", path: "ck_1", opID: "op_c", key: "w0-437")])
            #expect(other.map(\.seq) != first.map(\.seq), "another actor's key is its own")
            var denied = event("w0", "claim.assert", path: "ck_1", opID: "op_d", key: "w0-437")
            denied.outcome = "denied"
            var deniedAgain = denied
            deniedAgain.opID = "op_e"
            let deniedTwice = try await audit.append([denied, deniedAgain])
            #expect(Set(deniedTwice.map(\.seq)).count == 2, "each refusal keeps its own event")
            #expect(try await audit.verify().count == 4)
        }
    }

    @Test("10,000 appends from 4 concurrent clients chain without a fork")
    func concurrentAppends() async throws {
        try await DaemonFixture.with { audit in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<4 {
                    group.addTask {
                        let connection = WireClient(socketPath: audit.directory.path + "/data/run/audit.sock")
                        for index in 0..<2500 {
                            let single = [event("c\(client)", "entry.commit", path: "p\(index).md")]
                            _ = try await connection.call(
                                AuditRPC.append,
                                .with { $0.events = single },
                                options: CallOptions(timeout: .seconds(30))
                            )
                        }
                        await connection.close()
                    }
                }
                try await group.waitForAll()
            }
            let verified = try await audit.verify()
            #expect(verified.ok && verified.count == 10_000 && verified.firstBadSeq == 0)
        }
    }

    @Test(
        "out-of-band UPDATE, DELETE and swap are each reported at the first bad seq",
        arguments: ["update", "delete", "swap"]
    )
    func tampering(_ kind: String) async throws {
        try await DaemonFixture.with { audit in
            for index in 0..<20 { try await audit.append([event("alice", "entry.commit", path: "p\(index).md")]) }
            #expect(try await audit.verify().ok)
            switch kind {
            case "update": try await audit.sqlite("UPDATE events SET actor = 'mallory' WHERE seq = 7")
            case "delete": try await audit.sqlite("DELETE FROM events WHERE seq = 7")
            default:
                try await audit.sqlite(
                    "UPDATE events SET target_path = CASE seq WHEN 7 THEN 'p7.md' ELSE 'p6.md' END WHERE seq IN (7, 8);"
                        + "UPDATE events SET target_path = CASE seq WHEN 7 THEN 'p7.md' WHEN 8 THEN 'p6.md' END WHERE seq IN (7, 8)"
                )
                try await audit.sqlite(
                    "UPDATE events SET seq = -7 WHERE seq = 7; UPDATE events SET seq = 7 WHERE seq = 8; UPDATE events SET seq = 8 WHERE seq = -7"
                )
            }
            let verified = try await audit.verify()
            #expect(!verified.ok && verified.firstBadSeq == 7, "\(kind): \(verified.reason)")
        }
    }

    @Test("an edited anchored row is caught by the anchor even when every later hash is rewritten")
    func anchor() async throws {
        try await DaemonFixture.with { audit in
            #expect(try await audit.verify().anchor == .none)
            for index in 0..<10 { try await audit.append([event("alice", "entry.commit", path: "p\(index).md")]) }
            let anchored = try await audit.audit.call(AuditRPC.anchor, .init())
            #expect(anchored.seq == 10 && !anchored.commitOid.isEmpty)
            for index in 10..<15 { try await audit.append([event("alice", "entry.commit", path: "p\(index).md")]) }
            let before = try await audit.verify()
            #expect(before.ok && before.anchor == .matches && before.anchoredSeq == 10)

            try await audit.stop("audit")
            let pool = try DatabasePool(path: audit.databasePath)
            try await pool.write { db in
                try db.execute(sql: "UPDATE events SET actor = 'mallory' WHERE seq = 5")
                var previous = AuditRow.genesis
                for var row in try AuditRow.fetchAll(db, sql: "SELECT * FROM events ORDER BY seq") {
                    row.prevHash = previous
                    row.hash = row.computeHash(previous: previous)
                    try row.update(db)
                    previous = row.hash
                }
            }
            try pool.close()
            try await audit.start("audit")
            let after = try await audit.verify()
            #expect(after.firstBadSeq == 0, "the rewritten chain is internally consistent")
            #expect(after.anchor == .mismatch && !after.ok)
        }
    }

    @Test("stored envelopes are re-verified on request")
    func envelopes() async throws {
        try await DaemonFixture.with { audit in
            let key = SigningKey(seed: [UInt8](repeating: 6, count: 32))
            try await audit.signer.enroll("alice", key: key)
            for index in 0..<3 {
                let operation = try SignedOperation.make(
                    type: .entryCommit,
                    body: [
                        "key": .string("k\(index)"), "domain": "practice", "slug": .string("s\(index)"), "body": "text",
                    ],
                    timestamp: 1_718_000_000_000,
                    key: key,
                    deployment: audit.signer.deployment
                )
                var input = event("alice", "entry.commit", opID: operation.id.rawValue)
                input.envelope = Data(operation.canonicalBytes)
                let stored = try await audit.append([input])
                #expect(stored.first?.envelope == Data(operation.canonicalBytes))
            }
            #expect(try await audit.verify(checkEnvelopes: true).ok)
            try await audit.sqlite(
                "UPDATE events SET envelope = CAST(REPLACE(CAST(envelope AS TEXT), '\"text\"', '\"forged\"') AS BLOB) WHERE seq = 2"
            )
            let verified = try await audit.verify(checkEnvelopes: true)
            #expect(verified.badEnvelopes == [2])
            #expect(verified.firstBadSeq == 2, "the edit also breaks the chain")
        }
    }

    @Test("one daemon per database; a snapshot taken while serving verifies")
    func lockAndSnapshot() async throws {
        try await DaemonFixture.with { audit in
            for index in 0..<50 { try await audit.append([event("alice", "entry.commit", path: "p\(index).md")]) }
            let second = try await ChildProcess.run(
                "choros-audit",
                ["--config", audit.configurationPath],
                outputDirectory: audit.directory.path
            )
            #expect(
                second.status == 1 && second.error.contains("held by pid \(audit.daemons.value["audit"]?.pid ?? -1)"),
                "\(second.error)"
            )

            let copy = audit.directory.appending("snapshot.sqlite")
            let snapshot = try await ChildProcess.run(
                "choros-admin",
                ["snapshot", copy, "--config", audit.configurationPath, "--json"],
                outputDirectory: audit.directory.path
            )
            #expect(snapshot.status == 0, "\(snapshot.error)")
            #expect(snapshot.output.contains("\"seq\":50"), "\(snapshot.output)")
            let other = audit.directory.appending("other.toml")
            try "data_dir = \"\(audit.directory.path)/other\"\naudit_db = \"\(copy)\"\n".write(
                toFile: other,
                atomically: true,
                encoding: .utf8
            )
            let daemon = try ChildProcess("choros-audit", ["--config", other], outputDirectory: audit.directory.path)
            defer { daemon.signal(SIGKILL) }
            let client = WireClient(socketPath: audit.directory.path + "/other/run/audit.sock")
            let verified = try await client.call(AuditRPC.verify, .init(), options: CallOptions(timeout: .seconds(20)))
            #expect(verified.ok && verified.count == 50)
            await client.close()
        }
    }

    /// The 1,000-kill soak's hang: a snapshot waited forever for a reader connection that the
    /// reads holding them could not give back, their continuations queued behind it on the
    /// daemon's event loops. Snapshots among a crowd of concurrent reads must all finish.
    @Test("snapshots taken while 64 reads are in flight all complete")
    func snapshotAmongReads() async throws {
        try await DaemonFixture.with { audit in
            for index in 0..<200 { try await audit.append([event("alice", "entry.commit", path: "r\(index).md")]) }
            let client = audit.audit
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<64 {
                    group.addTask {
                        for _ in 0..<20 {
                            _ = try await client.call(AuditRPC.events, .with { $0.limit = 200 })
                        }
                    }
                }
                for round in 0..<6 {
                    group.addTask {
                        let copy = audit.directory.appending("crowd-\(round).sqlite")
                        let taken = try await client.call(
                            AuditRPC.snapshot,
                            .with { $0.path = copy },
                            options: CallOptions(timeout: .seconds(60))
                        )
                        #expect(taken.seq == 200)
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test("SIGKILL during appends loses no acknowledged event")
    func durability() async throws {
        try await DaemonFixture.with { audit in
            let acknowledged = Shared<[UInt64]>([])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for index in 0..<2000 {
                        guard
                            let stored = try? await audit.append([event("alice", "entry.commit", path: "p\(index).md")])
                        else { return }
                        acknowledged.mutate { $0.append(contentsOf: stored.map(\.seq)) }
                    }
                }
                group.addTask {
                    while acknowledged.value.count < 100 { try await Task.sleep(for: .milliseconds(5)) }
                    try await audit.stop("audit", signal: SIGKILL)
                }
                try await group.waitForAll()
            }
            try await audit.start("audit")
            let verified = try await audit.verify()
            #expect(verified.ok)
            #expect(verified.count >= UInt64(acknowledged.value.count), "an acknowledged event was lost")
            #expect(acknowledged.value == Array(1...UInt64(acknowledged.value.count)))
        }
    }

    @Test("group commit: 8 concurrent writers share transactions, and SIGKILL mid-stream loses no acknowledged event")
    func groupCommitDurability() async throws {
        try await DaemonFixture.with { audit in
            let acknowledged = Shared<[UInt64: String]>([:])
            let batched = Shared(0.0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        for index in 0..<2000 {
                            let path = "w\(writer)/p\(index).md"
                            guard let stored = try? await audit.append([event("alice", "entry.commit", path: path)])
                            else { return }
                            acknowledged.mutate { for row in stored { $0[row.seq] = row.targetPath } }
                        }
                    }
                }
                group.addTask {
                    while acknowledged.value.count < 400 { try await Task.sleep(for: .milliseconds(5)) }
                    let health = try await audit.audit.call(HealthRPC.check, .init())
                    batched.mutate { $0 = Double(health.figures["appends_per_transaction"] ?? "") ?? 0 }
                    try await audit.stop("audit", signal: SIGKILL)
                }
                try await group.waitForAll()
            }
            #expect(batched.value > 1, "concurrent appends shared no transaction")
            try await audit.start("audit")
            let verified = try await audit.verify()
            #expect(verified.ok)
            var events: [Choros_V1_AuditEvent] = []
            while true {
                let page = try await audit.audit.call(
                    AuditRPC.events,
                    .with {
                        $0.op = "entry.commit"
                        $0.sinceSeq = events.last?.seq ?? 0
                        $0.limit = 1000
                    }
                )
                events += page.events
                if !page.hasMore_p { break }
            }
            let stored = Dictionary(events.map { ($0.seq, $0.targetPath) }, uniquingKeysWith: { first, _ in first })
            let lost = acknowledged.value.filter { stored[$0.key] != $0.value }
            #expect(lost.isEmpty, "\(lost.count) acknowledged events were lost or changed")
        }
    }

    @Test("reconcile backfills exactly the committed ops with no event, with their verifying envelopes")
    func reconcile() async throws {
        try await DaemonFixture.with { audit in
            let perspective = "refs/cap/perspectives/alice"
            try await audit.commit(perspective, ["one.md": "one"], author: "alice", opID: "op_one")
            try await audit.commit(perspective, ["two.md": "two"], author: "alice", opID: "op_two")
            try await audit.commit(perspective, ["three.md": "three"], author: "alice", opID: "op_three")
            let op = audit.signer.opID
            try await audit.append([event("alice", "entry.commit", ref: perspective, opID: op("op_one"))])

            let first = try await audit.audit.call(
                AuditRPC.reconcile,
                .init(),
                options: CallOptions(timeout: .seconds(30))
            )
            let backfilled = Set(first.appended.filter { $0.targetRef == perspective }.map(\.opID))
            #expect(backfilled == [op("op_two"), op("op_three")])
            #expect(
                first.appended.filter { $0.targetRef == perspective }.allSatisfy {
                    $0.op == "reconciled_commit" && $0.actor == "alice"
                }
            )
            // The registry is covered too: the fixture's enrollments reached git, not the log.
            let enrollments = first.appended.filter { $0.targetRef == "refs/cap/registry" }
            #expect(Set(enrollments.map(\.actor)) == ["practitioner"])
            #expect(enrollments.count == 3, "practitioner, system and alice were enrolled")
            for event in first.appended {
                let verified = try OperationVerifier.verifyIntegrity(json: Array(event.envelope))
                #expect(verified.id.rawValue == event.opID, "the backfilled envelope is the commit's own op")
            }
            #expect(try await audit.verify(checkEnvelopes: true).ok)
            let second = try await audit.audit.call(
                AuditRPC.reconcile,
                .init(),
                options: CallOptions(timeout: .seconds(30))
            )
            #expect(second.appended.isEmpty)
            #expect(second.commitsChecked == 0, "every ref is at its mark: nothing is read")
            #expect(try await audit.verify().ok)

            // A later reconcile reads only what followed the marks, and still finds the gap.
            try await audit.commit(perspective, ["four.md": "four"], author: "alice", opID: "op_four")
            let third = try await audit.audit.call(
                AuditRPC.reconcile,
                .init(),
                options: CallOptions(timeout: .seconds(30))
            )
            #expect(third.appended.map(\.opID) == [op("op_four")])
            #expect(third.commitsChecked == 1, "only the commit since the mark was read")
        }
    }
}
