import ChorosClients
import ChorosCore
import ChorosGateway
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import Logging
import Testing

/// One kip_commit is one call to each of the store, the audit log and the index (issue 19):
/// the gateway runs in-process from its composition root, over real daemons, and the calls it
/// makes are counted on its own clients.
@Suite("One round trip per daemon")
struct GatewayRoundTripTests {
    @Test("a kip_commit — new, superseding, replayed — calls store, audit and index once each")
    func kipCommitRoundTrips() async throws {
        try await Self.withGateway { fixture, daemons, clients in
            let alice = try await fixture.connect("alice")
            // The first write reads the registry and the cursor once; later ones do not.
            try await alice.call("kip_commit", ["domain": "notes", "slug": "warm", "body": "first", "op_id": "w"])
            func counted(_ body: () async throws -> Void) async throws -> [String: Int] {
                let before = Self.counts(clients)
                try await body()
                let after = Self.counts(clients)
                return after.merging(before) { $0 - $1 }
            }
            let fresh = try await counted {
                try await alice.call("kip_commit", ["domain": "notes", "slug": "a", "body": "one", "op_id": "k1"])
            }
            #expect(fresh == ["store": 1, "audit": 1, "index": 1])
            let superseding = try await counted {
                let result = try await alice.call(
                    "kip_commit",
                    ["domain": "notes", "slug": "b", "body": "two", "supersedes": "notes/a.md", "op_id": "k2"]
                )
                #expect(result["replayed"] as? Bool != true)
            }
            #expect(superseding == ["store": 1, "audit": 1, "index": 1])
            let replay = try await counted {
                let result = try await alice.call(
                    "kip_commit",
                    ["domain": "notes", "slug": "a", "body": "one", "op_id": "k1"]
                )
                #expect(result["replayed"] as? Bool == true)
            }
            #expect(replay == ["store": 1, "audit": 1, "index": 1])
            // What the one call did is all there: the flip, and the index rows from the
            // content the store returned.
            let old = try #require(try await clients.store.text("refs/cap/perspectives/alice", "notes/a.md"))
            #expect(old.contains("status: superseded") && old.contains("superseded_by: notes/b.md"))
            let found = try await alice.call("map_search", ["query": "two", "scope": "mine"])
            let hits = found["hits"] as? [[String: Any]] ?? []
            #expect(hits.contains { $0["path"] as? String == "notes/b.md" })
            await alice.close()
        }
    }

    @Test("list_entries and kip_get cost the same calls with 3 entries or 30: no blob read per file")
    func readsCostWhatTheyReturn() async throws {
        try await Self.withGateway { fixture, daemons, clients in
            let alice = try await fixture.connect("alice")
            var calls: [[String: Int]] = []
            for size in [3, 30] {
                while try await (alice.call("my_perspective")["entries"] as? [Any] ?? []).count < size {
                    let slug = "e\(UUID().uuidString.prefix(8).lowercased())"
                    try await alice.call(
                        "kip_commit",
                        [
                            "domain": "notes", "slug": .string(slug), "body": "text", "title": "T",
                            "op_id": .string(slug),
                        ]
                    )
                }
                let before = Self.counts(clients)
                let listed = try await alice.call("list_entries", ["ref": "alice", "path": "notes"])
                let entries = listed["entries"] as? [[String: Any]] ?? []
                #expect(entries.count == size)
                #expect(entries.allSatisfy { $0["title"] as? String == "T" })
                _ = try await alice.call(
                    "kip_get",
                    ["ref": "alice", "path": .string(entries[0]["path"] as? String ?? "")]
                )
                calls.append(Self.counts(clients).merging(before) { $0 - $1 })
            }
            // The caller's registry check and the listing, the index's rows, the blob.
            #expect(calls[0] == calls[1])
            #expect(calls[1]["store"] ?? 0 <= 4 && calls[1]["index"] == 1)
            await alice.close()
        }
    }

    @Test("the registry snapshot never outruns a revocation: the next kip_get and kip_commit are refused")
    func revocationStillBites() async throws {
        try await Self.withGateway { fixture, daemons, clients in
            let alice = try await fixture.connect("alice")
            try await alice.call("kip_commit", ["domain": "notes", "slug": "a", "body": "one", "op_id": "a"])
            try await alice.call("kip_get", ["ref": "alice", "path": "notes/a.md"])
            try await daemons.signer.revoke("alice")
            // The gateway's snapshot is stale here; the store's own check refuses the write.
            await expectRPCError(.permissionDenied) {
                try await alice.call("kip_commit", ["domain": "notes", "slug": "b", "body": "two", "op_id": "b"])
            }
            // That refusal refreshed the gateway's snapshot: it now refuses the next one itself.
            await expectRefusal(.permissionDenied, gate: "identity") {
                try await alice.call("kip_commit", ["domain": "notes", "slug": "c", "body": "three", "op_id": "c"])
            }
            await expectRefusal(.permissionDenied, gate: "identity") {
                try await alice.call("kip_get", ["ref": "alice", "path": "notes/a.md"])
            }
            await expectRefusal(.permissionDenied, gate: "identity") {
                try await alice.call("kip_get", ["ref": "alice", "path": "notes/missing.md"])
            }
            #expect(try await clients.store.text("refs/cap/perspectives/alice", "notes/b.md") == nil)
            await alice.close()
        }
    }

    /// Real store, audit, index and airlock daemons; the gateway's composition root run
    /// in-process over `clients` (whose calls the tests count); alice and the practitioner enrolled.
    private static func withGateway(
        _ body: (GatewayFixture, DaemonFixture, DaemonClients) async throws -> Void
    ) async throws {
        try await TestSlots.shared {
            let daemons = try await DaemonFixture(daemons: ["store", "audit", "index", "airlock"])
            defer { Task { await daemons.tearDown() } }
            let fixture = try await GatewayFixture(reusing: daemons)
            try await fixture.preparePractitioner()
            try await fixture.enroll("alice")
            let configuration = try ChorosConfiguration.load(file: daemons.configurationPath, dataDirectory: nil)
            let clients = daemons.typed
            let services = try await makeGatewayDaemon(
                configuration: configuration,
                logger: Logger(label: "test.gateway"),
                daemons: clients
            )
            try await withRunningServices(services) { try await body(fixture, daemons, clients) }
        }
    }

    private static func counts(_ clients: DaemonClients) -> [String: Int] {
        [
            "store": clients.store.wire.callCount, "audit": clients.audit.wire.callCount,
            "index": clients.index.wire.callCount,
        ]
    }
}
