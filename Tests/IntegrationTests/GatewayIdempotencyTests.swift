import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("Gateway idempotency and crash windows", .serialized)
struct GatewayIdempotencyTests {
    private func auditEvents(
        _ fixture: GatewayFixture,
        key: String,
        actor: String
    ) async throws -> [Choros_V1_AuditEvent] {
        try await fixture.daemons.audit.call(
            AuditRPC.find,
            .with {
                $0.requestKey = key
                $0.actor = actor
            }
        ).events.filter { $0.outcome == "ok" }
    }

    @Test("a retried write replays, also after other commits and a gateway restart; a different act is refused")
    func retriesReplay() async throws {
        try await GatewayFixture.with { fixture in
            let alice = try await fixture.connect("alice")
            let arguments: [String: JSONValue] = ["domain": "notes", "slug": "a", "body": "Alpha", "op_id": "k1"]
            let first = try await alice.call("kip_commit", arguments)
            #expect(first["replayed"] == nil)
            let again = try await alice.call("kip_commit", arguments)
            #expect(again["replayed"] as? Bool == true)
            #expect(again["oid"] as? String == first["oid"] as? String)

            // The very same signed op, sent twice, is one act too.
            let op = try await alice.sign(
                "kip_commit",
                ["domain": "notes", "slug": "s", "body": "Same", "op_id": "k2"]
            )
            let sendOp = { (client: InstanceClient) in
                try await client.client.call(
                    GatewayRPC.callTool,
                    .with {
                        $0.name = "kip_commit"
                        $0.op = op.proto
                    }
                )
            }
            let once = try await sendOp(alice)
            let twice = try await sendOp(alice)
            #expect(twice.resultJson.contains("\"replayed\":true"))
            #expect(once.resultJson.contains(#""oid""#))

            for index in 0..<5 {
                try await alice.call(
                    "kip_commit",
                    ["domain": "notes", "slug": .string("n\(index)"), "body": "x", "op_id": .string("n\(index)")]
                )
            }
            #expect(try await alice.call("kip_commit", arguments)["oid"] as? String == first["oid"] as? String)

            // The same connection object survives a gateway restart: it binds its new connection
            // before anything else goes out on it, so the new gateway never sees (and audits as
            // denied) an unbound call (issue 20).
            try await fixture.daemons.stop("gateway")
            try await fixture.daemons.start("gateway")
            let afterRestart = try await alice.call("kip_commit", arguments)
            let unbound = try await fixture.lastDenial(of: "unbound")
            #expect(unbound == nil, "a call went out before the handshake: \(String(describing: unbound))")
            #expect(afterRestart["replayed"] as? Bool == true)
            #expect(afterRestart["oid"] as? String == first["oid"] as? String)
            #expect(try await self.auditEvents(fixture, key: "k1", actor: "alice").count == 1, "one act, one event")

            var changed = arguments
            changed["body"] = "Alpha, but different"
            let message = await expectRefusal(.alreadyExists, gate: "idempotency") {
                try await alice.call("kip_commit", changed)
            }
            #expect(message.contains("op_id 'k1' already names a different act"))

            // Messages and vantages can never be rewritten.
            try await alice.call("imp_send", ["recipients": ["bob"], "subject": "s", "body": "one", "op_id": "m1"])
            #expect(
                try await alice.call(
                    "imp_send",
                    ["recipients": ["bob"], "subject": "s", "body": "one", "op_id": "m1"]
                )["replayed"] as? Bool == true
            )
            await expectRefusal(.alreadyExists, gate: "idempotency") {
                try await alice.call("imp_send", ["recipients": ["bob"], "subject": "s", "body": "two", "op_id": "m1"])
            }
            try await alice.call("vap_record", ["binds": "notes/a", "horizon": "h1", "op_id": "v1"])
            await expectRefusal(.alreadyExists, gate: "idempotency") {
                try await alice.call("vap_record", ["binds": "notes/a", "horizon": "h2", "op_id": "v1"])
            }
            let text = try await alice.call("kip_get", ["ref": "alice", "path": "messages/m1"])["text"] as? String
            #expect(text?.contains("one") == true)
            await alice.close()
        }
    }

    @Test("a gateway killed between commit and audit leaves a commit reconcile backfills; the retry replays")
    func crashAfterCommit() async throws {
        try await GatewayFixture.with { fixture in
            try await fixture.daemons.stop("gateway")
            try await fixture.daemons.start("gateway", environment: ["FAULT_INJECTION_POINT": "gateway.after-commit"])
            let doomed = try await fixture.connect("alice")
            let arguments: [String: JSONValue] = ["domain": "notes", "slug": "c", "body": "Crash", "op_id": "c1"]
            do {
                try await doomed.call("kip_commit", arguments, timeout: .seconds(2))
                Issue.record("the gateway should have died after the commit")
            } catch {}
            let exited = try await fixture.daemons.daemons.value["gateway"]?.waitForExit(timeout: .seconds(10))
            #expect(exited == 86)
            await doomed.close()
            fixture.daemons.daemons.mutate { $0["gateway"] = nil }

            let committed = try await fixture.daemons.store.call(
                StoreRPC.findOp,
                .with {
                    $0.ref = "refs/cap/perspectives/alice"
                    $0.requestKey = "c1"
                }
            )
            #expect(
                try await self.auditEvents(fixture, key: "c1", actor: "alice").isEmpty,
                "the audit append never ran"
            )
            // The fixture enrolls straight through the store, so its registry commits are backfilled too.
            let reconciled = try await fixture.daemons.audit.call(AuditRPC.reconcile, .init())
            #expect(reconciled.appended.filter { $0.targetRef != "refs/cap/registry" }.map(\.opID) == [committed.opID])
            let backfilled = try #require(reconciled.appended.first { $0.opID == committed.opID })
            let envelope = try OperationVerifier.verifyIntegrity(json: Array(backfilled.envelope))
            #expect(envelope.id.rawValue == committed.opID, "the backfilled event carries the op's own envelope")

            try await fixture.daemons.start("gateway")
            let alice = try await fixture.connect("alice")
            let retried = try await alice.call("kip_commit", arguments)
            #expect(retried["replayed"] as? Bool == true)
            #expect(retried["oid"] as? String == committed.commitOid)
            #expect(try await fixture.daemons.audit.call(AuditRPC.reconcile, .init()).appended.isEmpty)
            await alice.close()
        }
    }

    @Test("a gateway killed after the commit backfills the lost event itself when it starts, envelope and all")
    func startupReconcile() async throws {
        try await GatewayFixture.with { fixture in
            try await fixture.daemons.stop("gateway")
            try await fixture.daemons.start("gateway", environment: ["FAULT_INJECTION_POINT": "gateway.after-commit"])
            let doomed = try await fixture.connect("alice")
            let arguments: [String: JSONValue] = ["domain": "notes", "slug": "s", "body": "Lost", "op_id": "s1"]
            _ = try? await doomed.call("kip_commit", arguments, timeout: .seconds(2))
            #expect(try await fixture.daemons.daemons.value["gateway"]?.waitForExit(timeout: .seconds(10)) == 86)
            await doomed.close()
            fixture.daemons.daemons.mutate { $0["gateway"] = nil }
            #expect(try await self.auditEvents(fixture, key: "s1", actor: "alice").isEmpty)

            try await fixture.daemons.start("gateway")
            var backfilled: [Choros_V1_AuditEvent] = []
            for _ in 0..<100 where backfilled.isEmpty {
                backfilled = try await self.auditEvents(fixture, key: "s1", actor: "alice")
                if backfilled.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            }
            let event = try #require(backfilled.first, "the restarted gateway reconciled the lost commit")
            #expect(event.op == "reconciled_commit")
            let envelope = try OperationVerifier.verifyIntegrity(json: Array(event.envelope))
            #expect(envelope.id.rawValue == event.opID && envelope.type == .entryCommit)
            #expect(try await fixture.daemons.verify(checkEnvelopes: true).ok)
        }
    }

    /// The audit append after a write's commit is lost (its daemon died in it), the gateway
    /// lives on, and the client retries, signing a new op under the same request key (as choros-mcp does):
    /// the event the retry completes must carry the envelope of the op that made the commit,
    /// or `verify` with envelopes fails (issue 20: `recovered_by: retry` events with none).
    static let retried: [(tool: String, arguments: [String: JSONValue])] = [
        ("kip_commit", ["domain": "notes", "slug": "d", "body": "Dies", "op_id": "d1"]),
        ("imp_send", ["recipients": ["bob"], "subject": "s", "body": "Dies too", "op_id": "d1"]),
    ]

    @Test(
        "a retry after its audit append was lost completes the event itself, once, with the original envelope",
        arguments: [0, 1]
    )
    func retryCompletesAudit(_ index: Int) async throws {
        let (tool, arguments) = Self.retried[index]
        try await GatewayFixture.with { fixture in
            try await fixture.daemons.stop("gateway")
            try await fixture.daemons.start(
                "gateway",
                environment: ["FAULT_INJECTION_POINT": "gateway.audit-lost-after-commit"]
            )
            let alice = try await fixture.connect("alice")
            let failed = try? await alice.call(tool, arguments, timeout: .seconds(3))
            #expect(failed == nil, "acknowledged without its audit event")
            #expect(try await alice.call(tool, arguments)["replayed"] as? Bool == true)
            let events = try await self.auditEvents(fixture, key: "d1", actor: "alice")
            #expect(events.count == 1)
            let envelope = try JSONSerialization.jsonObject(with: try #require(events.first).envelope) as? [String: Any]
            #expect(
                envelope?["op_id"] as? String == events.first?.opID,
                "the event carries the op that made the commit"
            )
            let verified = try await fixture.daemons.verify(checkEnvelopes: true)
            #expect(verified.ok, "\(verified)")
            await alice.close()
        }
    }

    @Test(
        "with the index down a write still lands in git and audit; the index restores the row itself when it starts; the retry replays"
    )
    func indexDownMidWrite() async throws {
        try await GatewayFixture.with { fixture in
            let alice = try await fixture.connect("alice")
            try await fixture.daemons.stop("index", signal: SIGKILL)
            let arguments: [String: JSONValue] = [
                "domain": "notes", "slug": "i", "body": "Quokka habits", "op_id": "i1",
            ]
            let written = try await alice.call("kip_commit", arguments)
            #expect(written["index_pending"] as? Bool == true)
            #expect(try await self.auditEvents(fixture, key: "i1", actor: "alice").count == 1)

            // Nobody runs reindex: the index catches up from the store as it starts.
            try await fixture.daemons.start("index")
            let hits = try await eventually(
                {
                    try await alice.call("map_search", ["query": "quokka"])["hits"] as? [[String: Any]] ?? []
                },
                until: { !$0.isEmpty }
            )
            #expect(hits.map { $0["path"] as? String } == ["notes/i.md"])
            let retried = try await alice.call("kip_commit", arguments)
            #expect(retried["replayed"] as? Bool == true)
            #expect(retried["oid"] as? String == written["oid"] as? String)
            await alice.close()
        }
    }
}
