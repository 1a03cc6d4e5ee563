import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("Landing crash recovery", .serialized)
struct LandRecoveryTests {
    static let faults = ["airlock.after-land", "airlock.after-audit", "airlock.after-tag", "airlock.after-index"]

    @Test("an airlock killed after steps 3–6 finishes the land on restart, exactly once", arguments: Self.faults)
    func crashAfterStep(_ fault: String) async throws {
        try await GatewayFixture.with { fixture in
            let practitioner = try await fixture.preparePractitioner()
            try await fixture.rawProposal(
                "p1",
                ["notes/a.md": "---\ntype: kno\n---\n\nKestrels.\n", "meta/log/1.md": GatewayFixture.logEntry("1")]
            )
            try await fixture.daemons.stop("airlock")
            try await fixture.daemons.start("airlock", environment: ["FAULT_INJECTION_POINT": fault])

            let admin = WireClient(socketPath: fixture.adminSocket)
            let preview = try await admin.call(AdminRPC.preview, .with { $0.proposalID = "p1" })
            let approval = try SignedOperation.make(
                type: .canonLand,
                body: ["proposal_id": "p1", "candidate_oid": .string(preview.candidateOid), "channel": "console"],
                timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                key: practitioner
            )
            _ = try? await admin.call(
                AdminRPC.land,
                .with { $0.approval = approval.proto },
                options: CallOptions(timeout: .seconds(3), isIdempotent: false)
            )
            let exit = try await fixture.daemons.daemons.value["airlock"]?.waitForExit(timeout: .seconds(10))
            #expect(exit == 86, "\(fault): the airlock should have died at its crash point")
            fixture.daemons.daemons.mutate { $0["airlock"] = nil }
            let canon = try await fixture.daemons.store.call(StoreRPC.resolve, .with { $0.ref = "refs/heads/main" }).oid
            #expect(canon == preview.candidateOid, "step 3 happened before the crash")

            try await fixture.daemons.start("airlock")
            // Recovery runs as soon as the restarted airlock reaches the store and audit log.
            let deadline = ContinuousClock.now + .seconds(20)
            while try await fixture.daemons.store.call(StoreRPC.listRefs, .with { $0.prefix = "refs/cap/audit-anchor" })
                .refs
                .isEmpty, ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await fixture.stateTags() == ["refs/tags/state/1"], "\(fault)")
            let events = try await fixture.auditEvents(op: "land_merge")
            #expect(events.count == 1, "\(fault)")
            #expect(events.first?.opID == approval.id.rawValue)
            #expect(try await fixture.anchoredSeq() >= Int64(events.first?.seq ?? .max), "\(fault)")
            let anchors = try await fixture.daemons.store.call(
                StoreRPC.history,
                .with { $0.rev = "refs/cap/audit-anchor" }
            ).entries
            #expect(anchors.count == 1, "\(fault): one anchor")
            let stats = try await fixture.daemons.index.call(IndexRPC.stats, .init())
            #expect(stats.entries >= 2, "the changed canon paths are indexed")

            // The practitioner's retry of the same approval returns the land, and does nothing.
            let retried = try await admin.call(AdminRPC.land, .with { $0.approval = approval.proto })
            #expect(retried.canonOid == preview.candidateOid)
            #expect(try await fixture.auditEvents(op: "land_merge").count == 1)
            #expect(try await fixture.daemons.verify(checkEnvelopes: true).ok)
            await admin.close()
        }
    }
}
