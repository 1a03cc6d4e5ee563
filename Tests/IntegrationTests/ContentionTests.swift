import ChorosClients
import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

/// Issue 20, item 3: writers racing where production races them. Every write either lands
/// exactly once or is refused with a reason that names what happened; a refused write retried
/// with the same op id lands, once.
@Suite("Contention", .serialized, .timeLimit(.minutes(4)))
struct ContentionTests {
    /// Calls until acknowledged, recording each refusal: a lost race is retried as it is, as
    /// a client retries with the same op id.
    static func untilAcknowledged(
        _ client: InstanceClient,
        _ tool: String,
        _ arguments: [String: JSONValue],
        refusals: Shared<[RPCError]>
    ) async throws -> [String: Any] {
        for _ in 0..<50 {
            do {
                return try await client.call(tool, arguments)
            } catch let error as RPCError {
                refusals.mutate { $0.append(error) }
            }
        }
        throw TestUserError("\(tool) \(arguments["op_id"] ?? "") was never acknowledged")
    }

    /// The audit log's acknowledged events for a request key (one per act).
    static func acts(_ fixture: GatewayFixture, key: String) async throws -> Int {
        try await fixture.daemons.audit.call(AuditRPC.find, .with { $0.requestKey = key }).events.filter {
            $0.outcome == "ok"
        }.count
    }

    @Test("16 writers on one proposal: each write lands once or is refused by name, and its retry lands once")
    func sixteenWritersOneProposal() async throws {
        let names = (0..<16).map { "w\($0)" }
        try await GatewayFixture.with(instances: names) { fixture in
            var clients: [InstanceClient] = []
            for name in names { clients.append(try await fixture.connect(name)) }
            let refusals = Shared<[RPCError]>([])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (writer, client) in clients.enumerated() {
                    group.addTask {
                        for step in 0..<4 {
                            let key = "w\(writer)-\(step)"
                            let written = try await Self.untilAcknowledged(
                                client,
                                "propose",
                                [
                                    "proposal_id": "shared", "domain": "notes", "slug": .string(key),
                                    "body": .string("From \(key)."), "op_id": .string(key),
                                ],
                                refusals: refusals
                            )
                            #expect(written["path"] as? String == "notes/\(key).md")
                        }
                    }
                }
                try await group.waitForAll()
            }
            print("16 writers on one proposal: \(refusals.value.count) lost races, each retried to one act")
            // A refusal says what happened (the proposal moved or was created meanwhile).
            for error in refusals.value {
                #expect(error.code == .aborted, "\(error)")
                #expect(
                    error.message.contains("moved") || error.message.contains("created concurrently")
                        || error.message.contains(" is at "),
                    "\(error)"
                )
            }
            let paths = try await fixture.daemons.typed.store.paths("refs/cap/proposals/shared", under: "notes")
            #expect(Set(paths) == Set(names.flatMap { name in (0..<4).map { "notes/\(name)-\($0).md" } }))
            for name in names {
                for step in 0..<4 {
                    #expect(try await Self.acts(fixture, key: "\(name)-\(step)") == 1, "\(name)-\(step)")
                }
            }
            for client in clients { await client.close() }
        }
    }

    @Test("16 connections of one instance on one perspective: no lost update, nothing refused")
    func sixteenConnectionsOnePerspective() async throws {
        try await GatewayFixture.with(instances: ["alice"]) { fixture in
            var clients: [InstanceClient] = []
            for _ in 0..<16 { clients.append(try await fixture.connect("alice")) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (connection, client) in clients.enumerated() {
                    group.addTask {
                        for step in 0..<8 {
                            let key = "c\(connection)-\(step)"
                            try await client.call(
                                "kip_commit",
                                [
                                    "domain": "notes", "slug": .string(key), "body": .string("By \(key)."),
                                    "op_id": .string(key),
                                ]
                            )
                        }
                    }
                }
                try await group.waitForAll()
            }
            let paths = try await fixture.daemons.typed.store.paths("refs/cap/perspectives/alice", under: "notes")
            #expect(paths.count == 128)
            let history = try await fixture.daemons.typed.store.history("refs/cap/perspectives/alice", limit: 1_000)
            #expect(history.count >= 128, "one commit per write, none overwritten")
            for client in clients { await client.close() }
        }
    }

    @Test("a land racing proposals and reconciles: canon, tags, land events and the anchor agree afterwards")
    func landRacingProposalsAndReconciles() async throws {
        try await GatewayFixture.with(instances: ["alice", "bob", "carol"]) { fixture in
            try await fixture.preparePractitioner()
            let alice = try await fixture.connect("alice")
            let others = [try await fixture.connect("bob"), try await fixture.connect("carol")]
            for (index, seq) in ["1", "2", "3"].enumerated() {
                try await alice.call(
                    "propose",
                    [
                        "proposal_id": .string("p\(seq)"), "domain": "notes", "slug": .string("landed-\(seq)"),
                        "body": "Lands.", "op_id": .string("pa\(seq)"),
                    ]
                )
                try await alice.call(
                    "propose",
                    [
                        "proposal_id": .string("p\(seq)"), "domain": "meta/log", "slug": .string(seq), "body": "Log.",
                        "op_id": .string("pl\(seq)"),
                    ]
                )
                let refusals = Shared<[RPCError]>([])
                async let landed = fixture.admin(["land", "p\(seq)", "--json"])
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (writer, client) in others.enumerated() {
                        group.addTask {
                            for step in 0..<6 {
                                let key = "o\(writer)-\(index)-\(step)"
                                do {
                                    try await client.call(
                                        "propose",
                                        [
                                            "proposal_id": .string("side-\(writer)"), "domain": "notes",
                                            "slug": .string(key), "body": "Side.", "op_id": .string(key),
                                        ]
                                    )
                                } catch let error as RPCError {
                                    refusals.mutate { $0.append(error) }
                                    _ = try await client.call("canon_diff")
                                    _ = try await Self.untilAcknowledged(
                                        client,
                                        "sup_reconcile",
                                        ["body": .string("Read canon at \(key).")],
                                        refusals: refusals
                                    )
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let result = try await landed
                #expect(result.status == 0, "\(result.error)")
                print("land p\(seq) raced \(refusals.value.count) refusals of side proposals")
                for error in refusals.value {
                    #expect(
                        error.details["gate"] == "propose.reconciled" || error.code == .aborted,
                        "refused by name: \(error)"
                    )
                }
                _ = try await alice.call("canon_diff")
                try await alice.call("sup_reconcile", ["body": .string("Read canon after p\(seq).")])
            }
            let canon = try await fixture.daemons.store.call(StoreRPC.resolve, .with { $0.ref = "refs/heads/main" })
            let tags = try await fixture.daemons.typed.store.refs(under: "refs/tags/state/")
            #expect(tags.map(\.name).sorted() == ["refs/tags/state/1", "refs/tags/state/2", "refs/tags/state/3"])
            #expect(tags.first { $0.name == "refs/tags/state/3" }?.oid == canon.oid, "the last tag is canon's tip")
            let lands = try await fixture.daemons.audit.call(AuditRPC.events, .with { $0.op = "land_merge" }).events
            #expect(lands.filter { $0.outcome == "ok" }.count == 3)
            let verified = try await fixture.daemons.verify(checkEnvelopes: true)
            #expect(verified.ok && verified.anchor == .matches, "\(verified)")
            await alice.close()
            for client in others { await client.close() }
        }
    }
}
