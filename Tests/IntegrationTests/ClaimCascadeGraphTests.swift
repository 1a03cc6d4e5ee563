import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("The invalidation cascade over a 1,000-claim graph", .serialized)
struct ClaimCascadeGraphTests {
    @Test("refuting the root invalidates exactly the affected claims, once each, shortest paths, in order")
    func cascadeAtScale() async throws {
        try await GatewayFixture.with { fixture in
            let practitioner = try await fixture.preparePractitioner()
            let alice = try await fixture.connect("alice")
            var seeder = ClaimGraphSeeder()
            try await seeder.seed(
                evidenceCount: 40,
                claimCount: 1000,
                derivedShare: 0.45,
                authors: [("alice", alice.key), ("bob", try #require(fixture.keys.value["bob"]))],
                audit: fixture.daemons.audit,
                index: fixture.daemons.index
            )
            let root = seeder.claims[0].id
            let distance = seeder.distances(from: root)
            let inputs = Dictionary(uniqueKeysWithValues: seeder.claims.map { ($0.id, Set($0.inputs)) })
            // The graph has what the cascade must handle: long chains, diamonds, and claims
            // outside the affected subgraph.
            #expect(distance.values.max() ?? 0 >= 4)
            #expect(
                distance.keys.contains { id in
                    (inputs[id] ?? []).filter { distance[$0] != nil || $0 == root }.count >= 2
                }
            )
            #expect(distance.count < 999)

            // A claim citing an op that does not exist yet is refused: no cycle can form.
            let future = "op_" + String(repeating: "cd", count: 32)
            await expectRefusal(.notFound, gate: "claim.inputs") {
                try await alice.assert(
                    "loop",
                    subject: "graph",
                    predicate: "p0",
                    value: ["n": 0],
                    inputs: [root, future]
                )
            }

            let judge = WireClient(socketPath: fixture.adminSocket)
            let refute = try SignedOperation.make(
                type: .claimRefute,
                body: [
                    "target": .string(root), "claim_key": .string(ClaimKey(subject: "graph", predicate: "p0").rawValue),
                    "reason": "wrong", "scope": "value",
                ],
                timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                key: practitioner,
                deployment: fixture.daemons.signer.deployment
            )
            let result = try await judge.call(
                AdminRPC.claimJudge,
                .with { $0.op = refute.proto },
                options: CallOptions(timeout: .seconds(300))
            )
            let emitted = result.invalidations
            #expect(emitted.count == distance.count)
            #expect(Set(emitted.map(\.target)) == Set(distance.keys))
            let order = emitted.map { (distance[$0.target] ?? -1, $0.target) }
            #expect(order.map(\.1) == order.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map(\.1))
            for invalidation in emitted {
                let path = invalidation.path
                #expect(
                    path.first == refute.id.rawValue && path.dropFirst().first == root
                        && path.last == invalidation.target
                )
                #expect(
                    path.count == (distance[invalidation.target] ?? 0) + 2,
                    "not the shortest path: \(invalidation)"
                )
                for (input, claim) in zip(path.dropFirst(), path.dropFirst(2)) {
                    #expect(inputs[claim]?.contains(input) == true, "\(claim) does not cite \(input)")
                }
            }
            let events = try await Self.allInvalidations(fixture)
            #expect(events.count == distance.count)
            #expect(Set(events.map(\.opID)).count == events.count)

            // Untouched outside, invalidated inside, refuted at the root.
            let states = try await fixture.daemons.index.call(
                IndexRPC.claimsFor,
                .with {
                    $0.subject = "graph"
                    $0.limit = 1000
                }
            ).claims
            #expect(states.count == 1000)
            for claim in states {
                let expected = claim.opID == root ? "refuted" : distance[claim.opID] != nil ? "invalidated" : "active"
                #expect(claim.state == expected, "\(claim.opID)")
            }

            // The same refute again, and the cascade again: nothing new.
            let replay = try await judge.call(AdminRPC.claimJudge, .with { $0.op = refute.proto })
            #expect(replay.replayed)
            let rerun = try await judge.call(AdminRPC.cascadeRun, .with { $0.cause = refute.id.rawValue })
            #expect(rerun.invalidations.count == distance.count)
            #expect(try await Self.allInvalidations(fixture).count == distance.count)
            await judge.close()
            await alice.close()
        }
    }

    static func allInvalidations(_ fixture: GatewayFixture) async throws -> [Choros_V1_AuditEvent] {
        var events: [Choros_V1_AuditEvent] = []
        var since: UInt64 = 0
        while true {
            let page = try await fixture.daemons.audit.call(
                AuditRPC.events,
                .with {
                    $0.op = OperationType.claimInvalidate.rawValue
                    $0.sinceSeq = since
                    $0.limit = 1000
                }
            )
            events += page.events
            guard page.hasMore_p else { return events }
            since = page.nextSinceSeq
        }
    }
}
