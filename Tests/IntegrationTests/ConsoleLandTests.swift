import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("Console land through admin.sock", .serialized)
struct ConsoleLandTests {
    @Test("admin.sock is 0600; choros-admin preview and land run the seven steps; --by must be an approver")
    func consoleLand() async throws {
        try await GatewayFixture.with { fixture in
            try await fixture.preparePractitioner()
            var info = stat()
            #expect(stat(fixture.adminSocket, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)

            let alice = try await fixture.connect("alice")
            try await alice.call(
                "propose",
                ["proposal_id": "p1", "domain": "notes", "slug": "a", "body": "Marmots whistle.", "op_id": "a"]
            )
            try await alice.call(
                "propose",
                ["proposal_id": "p1", "domain": "meta/log", "slug": "1", "body": "Marmots.", "op_id": "l"]
            )

            let preview = try await fixture.admin(["preview", "p1", "--json"])
            #expect(preview.status == 0, "\(preview.error)")
            let shown = try JSONSerialization.jsonObject(with: Data(preview.output.utf8)) as? [String: Any] ?? [:]
            #expect(shown["log_entry_ok"] as? Bool == true)
            #expect(shown["expected_seq"] as? String == "1")
            #expect((shown["added"] as? [String])?.sorted() == ["meta/log/1.md", "notes/a.md"])
            #expect(shown["authors"] as? [String] == ["alice"])
            #expect((shown["candidate_oid"] as? String)?.count == 40)

            let notApprover = try await fixture.admin(["land", "p1", "--by", "alice"])
            #expect(notApprover.status == 1)
            #expect(notApprover.error.contains("not a configured approver"))

            let landed = try await fixture.admin(["land", "p1", "--json"])
            #expect(landed.status == 0, "\(landed.error)")
            let result = try JSONSerialization.jsonObject(with: Data(landed.output.utf8)) as? [String: Any] ?? [:]
            #expect(result["tag"] as? String == "state/1")
            #expect(result["channel"] as? String == "console")
            #expect(result["indexed_paths"] as? Int == 2)

            // Tag, audit event (with the signed approval) and anchor exist.
            #expect(try await fixture.stateTags() == ["refs/tags/state/1"])
            let events = try await fixture.auditEvents(op: "land_merge")
            #expect(events.count == 1)
            #expect(!events[0].envelope.isEmpty)
            #expect(try await fixture.anchoredSeq() >= Int64(events[0].seq))
            #expect(try await fixture.daemons.verify(checkEnvelopes: true).anchor == .matches)
            let canonHits =
                try await alice.call("map_search", ["query": "marmots", "scope": "canon"])["hits"] as? [[String: Any]]
            #expect(canonHits?.map { $0["path"] as? String }.contains("notes/a.md") == true)
            let lands = try await alice.call("canon_state")["lands"] as? [[String: Any]] ?? []
            #expect(lands.map { $0["seq"] as? String } == ["1"])
            #expect(lands.first?["by"] as? String == "practitioner")

            // Usage errors exit 2.
            #expect(try await fixture.admin(["land"]).status == 2)
            await alice.close()
        }
    }

    @Test(
        "log entries: zero, two, misnamed, uppercase, wrongly numbered or wrongly typed are refused naming the expected seq"
    )
    func logEntryRefusals() async throws {
        try await GatewayFixture.with { fixture in
            let practitioner = try await fixture.preparePractitioner()
            let cases: [(String, [String: String], String)] = [
                ("zero", ["notes/z.md": "z"], "no log entry: the proposal needs exactly one, meta/log/1.md"),
                (
                    "two",
                    ["meta/log/1.md": GatewayFixture.logEntry("1"), "meta/log/2.md": GatewayFixture.logEntry("2")],
                    "2 log entries"
                ),
                ("misnamed", ["meta/log/one.md": GatewayFixture.logEntry("one")], "misnamed: expected meta/log/1.md"),
                ("upper", ["meta/log/1A.md": GatewayFixture.logEntry("1A")], "uppercase"),
                ("wrong", ["meta/log/5.md": GatewayFixture.logEntry("5")], "wrong number: canon expects seq 1"),
                ("typed", ["meta/log/1.md": GatewayFixture.logEntry("1", type: "kno")], "must have 'type: log'"),
            ]
            let admin = WireClient(socketPath: fixture.adminSocket)
            for (id, files, expected) in cases {
                try await fixture.rawProposal(id, files)
                let preview = try await admin.call(AdminRPC.preview, .with { $0.proposalID = id })
                #expect(!preview.logEntryOk, "\(id)")
                #expect(preview.logProblem.contains(expected), "\(id): \(preview.logProblem)")
                let approval = try SignedOperation.make(
                    type: .canonLand,
                    body: [
                        "proposal_id": .string(id), "candidate_oid": .string(preview.candidateOid),
                        "channel": "console",
                    ],
                    timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                    key: practitioner,
                    deployment: fixture.daemons.signer.deployment
                )
                let error = await expectRPCError(.failedPrecondition, "\(id)") {
                    try await admin.call(AdminRPC.land, .with { $0.approval = approval.proto })
                }
                #expect(error?.details["gate"] == "log_entry")
                #expect(error?.message.contains(expected) == true, "\(id): \(error?.message ?? "")")
                let cli = try await fixture.admin(["land", id])
                #expect(cli.status == 1)
                #expect(cli.error.contains(expected), "\(id): \(cli.error)")
            }
            #expect(try await fixture.stateTags().isEmpty, "nothing landed")
            await admin.close()
        }
    }

    @Test("a connection whose peer uid is not the practitioner's is refused")
    func foreignUID() async throws {
        try await GatewayFixture.with(extraConfiguration: "practitioner_uid = \(getuid() + 4242)") { fixture in
            let admin = WireClient(socketPath: fixture.adminSocket)
            let error = await expectRPCError(.permissionDenied) {
                try await admin.call(AdminRPC.preview, .with { $0.proposalID = "x" })
            }
            #expect(error?.details["gate"] == "peer")
            #expect(
                error?.message.contains("admin.sock admits uid \(getuid() + 4242) only, not uid \(getuid())") == true
            )
            await admin.close()
        }
    }

    @Test("a land over 10,000 canon entries re-indexes only the changed paths")
    func landIndexesChangedPathsOnly() async throws {
        try await DaemonFixture.with(daemons: GatewayFixture.allDaemons) { daemons in
            let files = (0..<10_000).map { index in
                Choros_V1_FileChange.with {
                    $0.path = "seed/d\(index / 1000)/e\(index % 1000).md"
                    $0.content = Data("---\ntype: kno\n---\n\nSeed \(index).\n".utf8)
                }
            }
            _ = try await daemons.store.call(
                StoreRPC.bootstrap,
                .with {
                    $0.files = files
                    $0.author = "practitioner"
                },
                options: CallOptions(timeout: .seconds(120))
            )
            // The index holds canon at the bootstrap (its mark); one row is then removed behind
            // its back, so a land that re-read canon would bring it back.
            let indexed = try await daemons.index.call(
                IndexRPC.reindex,
                .init(),
                options: CallOptions(timeout: .seconds(120))
            )
            #expect(indexed.entries == 10_000)
            try await daemons.sqlite(
                "DELETE FROM entries WHERE path = 'seed/d0/e0.md'",
                database: daemons.directory.path + "/data/index.sqlite"
            )
            let fixture = try await GatewayFixture(reusing: daemons)
            try await fixture.preparePractitioner()
            try await fixture.rawProposal(
                "big",
                ["notes/new.md": "---\ntype: kno\n---\n\nOcelots.\n", "meta/log/1.md": GatewayFixture.logEntry("1")]
            )
            let landed = try await fixture.admin(["land", "big", "--json"])
            #expect(landed.status == 0, "\(landed.error)")
            let result = try JSONSerialization.jsonObject(with: Data(landed.output.utf8)) as? [String: Any] ?? [:]
            #expect(result["indexed_paths"] as? Int == 2)
            let stats = try await daemons.index.call(IndexRPC.stats, .init())
            #expect(stats.entries == 10_001, "the land added its own two rows and re-read nothing else")
        }
    }
}
