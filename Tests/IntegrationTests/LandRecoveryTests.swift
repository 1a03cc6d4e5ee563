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
                key: practitioner,
                deployment: fixture.daemons.signer.deployment
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

/// TRUST.md, rule 5: a store that answers after the airlock stopped waiting still moves canon.
/// The land is then finished from canon itself (the store's land record, no state tag),
/// whatever the order file says: on restart, or before the next land.
@Suite("Landing: a late store", .serialized, .timeLimit(.minutes(3)))
struct LateLandTests {
    enum Repair: String, CaseIterable {
        case restart
        case nextLand
    }

    @Test("canon moved past the land's deadline is finished with event, tag and anchor", arguments: Repair.allCases)
    func lateRename(_ repair: Repair) async throws {
        try await GatewayFixture.with { fixture in
            let practitioner = try await fixture.preparePractitioner()
            try await fixture.rawProposal(
                "p1",
                ["notes/a.md": "---\ntype: kno\n---\n\nOwls.\n", "meta/log/1.md": GatewayFixture.logEntry("1")]
            )
            try await fixture.daemons.stop("store")
            try await fixture.daemons.start(
                "store",
                environment: ["FAULT_INJECTION_POINT": "store.before-land-rename", "FAULT_INJECTION_DELAY_MS": "6500"]
            )
            let admin = WireClient(socketPath: fixture.adminSocket)
            let preview = try await admin.call(AdminRPC.preview, .with { $0.proposalID = "p1" })
            let approval = try SignedOperation.make(
                type: .canonLand,
                body: ["proposal_id": "p1", "candidate_oid": .string(preview.candidateOid), "channel": "console"],
                timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                key: practitioner,
                deployment: fixture.daemons.signer.deployment
            )
            let late = await expectRPCError(.unavailable) {
                try await admin.call(
                    AdminRPC.land,
                    .with { $0.approval = approval.proto },
                    options: CallOptions(timeout: .seconds(30), isIdempotent: false)
                )
            }
            #expect(late?.message.contains("did not confirm the land") == true)
            // The store renames after the airlock gave up, and the order file is gone with it.
            let deadline = ContinuousClock.now + .seconds(15)
            var canon = ""
            while canon != preview.candidateOid, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                canon = try await fixture.daemons.store.call(StoreRPC.resolve, .with { $0.ref = "refs/heads/main" }).oid
            }
            #expect(canon == preview.candidateOid, "the late rename moved canon")
            try? FileManager.default.removeItem(atPath: fixture.daemons.directory.path + "/data/airlock/landing.json")
            #expect(try await fixture.auditEvents(op: "land_merge").isEmpty)
            #expect(try await fixture.stateTags().isEmpty)

            switch repair {
            case .restart:
                try await fixture.daemons.stop("airlock")
                try await fixture.daemons.start("airlock")
                let until = ContinuousClock.now + .seconds(20)
                while try await fixture.daemons.store.call(
                    StoreRPC.listRefs,
                    .with { $0.prefix = "refs/cap/audit-anchor" }
                )
                .refs.isEmpty, ContinuousClock.now < until {
                    try await Task.sleep(for: .milliseconds(100))
                }
            case .nextLand:
                try await fixture.rawProposal(
                    "p2",
                    ["notes/b.md": "---\ntype: kno\n---\n\nWrens.\n", "meta/log/2.md": GatewayFixture.logEntry("2")]
                )
                let next = try await admin.call(AdminRPC.preview, .with { $0.proposalID = "p2" })
                #expect(next.expectedSeq == "2", "the late land was finished first")
                let second = try SignedOperation.make(
                    type: .canonLand,
                    body: ["proposal_id": "p2", "candidate_oid": .string(next.candidateOid), "channel": "console"],
                    timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                    key: practitioner,
                    deployment: fixture.daemons.signer.deployment
                )
                try await fixture.daemons.stop("store")
                try await fixture.daemons.start("store")
                _ = try await admin.call(AdminRPC.land, .with { $0.approval = second.proto })
            }
            let events = try await fixture.auditEvents(op: "land_merge")
            #expect(events.first?.opID == approval.id.rawValue, "the late land's event, with its approval")
            #expect(try await fixture.stateTags().first == "refs/tags/state/1")
            #expect(
                try await fixture.daemons.store.call(StoreRPC.resolve, .with { $0.ref = "refs/tags/state/1" }).oid
                    == preview.candidateOid
            )
            #expect(try await fixture.anchoredSeq() >= Int64(events.first?.seq ?? .max))
            #expect(try await fixture.daemons.verify(checkEnvelopes: true).ok)
            await admin.close()
        }
    }
}
