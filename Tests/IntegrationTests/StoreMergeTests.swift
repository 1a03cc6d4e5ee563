import ChorosCore
import ChorosProto
import ChorosStore
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("choros-store: proposals, merges and landing", .timeLimit(.minutes(3)))
struct StoreMergeTests {
    let practitioner = SigningKey(seed: [UInt8](repeating: 3, count: 32))
    let alice = SigningKey(seed: [UInt8](repeating: 4, count: 32))

    /// Canon with two entries, and a registry enrolling the practitioner and alice.
    private func seed(_ store: StoreFixture) async throws -> String {
        let canon = try await store.client.call(
            StoreRPC.bootstrap,
            .with {
                $0.files = [
                    .with {
                        $0.path = "seed.md"
                        $0.content = Data("seed".utf8)
                    },
                    .with {
                        $0.path = "keep.md"
                        $0.content = Data("keep".utf8)
                    },
                ]
                $0.author = "practitioner"
            }
        )
        await expectRPCError(.failedPrecondition, "bootstrap runs once") {
            try await store.client.call(StoreRPC.bootstrap, .with { $0.files = [.with { $0.path = "x.md" }] })
        }
        for (name, key) in [("practitioner", self.practitioner), ("alice", self.alice)] {
            try await store.signer.enroll(name, key: key)
        }
        return canon.canonOid
    }

    private func propose(
        _ store: StoreFixture,
        _ id: String,
        at base: String,
        _ files: [String: String],
        deleting: [String] = []
    ) async throws {
        let ref = "refs/cap/proposals/\(id)"
        _ = try await store.client.call(
            StoreRPC.createBranch,
            .with {
                $0.ref = ref
                $0.oid = base
            }
        )
        try await store.commit(ref, files, deleting: deleting, expectedParent: base, opID: "op_\(id)")
    }

    private func approval(
        _ candidate: String,
        by key: SigningKey,
        proposal: String = "p1",
        in store: StoreFixture
    ) throws -> Choros_V1_SignedOp {
        try SignedOperation.make(
            type: .canonLand,
            body: ["proposal_id": .string(proposal), "candidate_oid": .string(candidate), "channel": "console"],
            timestamp: Int64(Date().timeIntervalSince1970 * 1000),
            key: key,
            deployment: store.signer.deployment
        ).proto
    }

    private func prepare(_ store: StoreFixture, _ id: String) async throws -> Choros_V1_PrepareMergeResponse {
        try await store.client.call(StoreRPC.prepareMerge, .with { $0.proposalRef = "refs/cap/proposals/\(id)" })
    }

    private func land(
        _ store: StoreFixture,
        _ candidate: String,
        _ approval: Choros_V1_SignedOp
    ) async throws -> Choros_V1_LandMergeResponse {
        try await store.client.call(
            StoreRPC.landMerge,
            .with {
                $0.candidateOid = candidate
                $0.approval = approval
            }
        )
    }

    @Test(
        "preview creates nothing referenced; prepare makes an unreferenced two-parent candidate; land needs the approver"
    )
    func cleanProposal() async throws {
        try await StoreFixture.with { store in
            let canon = try await self.seed(store)
            try await self.propose(store, "p1", at: canon, ["practice/new.md": "new"])
            let refsBefore = try await store.git(["for-each-ref"])
            let preview = try await store.client.call(
                StoreRPC.previewMerge,
                .with { $0.proposalRef = "refs/cap/proposals/p1" }
            )
            #expect(preview.added == ["practice/new.md"] && preview.conflicts.isEmpty && !preview.wouldRemoveCanon)
            #expect(preview.authors == ["alice"])
            #expect(try await store.git(["for-each-ref"]) == refsBefore, "preview moves no ref")

            let prepared = try await self.prepare(store, "p1")
            let candidate = prepared.candidateOid
            #expect(
                try await store.git(["rev-list", "--parents", "-n", "1", candidate]).split(separator: " ").count == 3
            )
            #expect(
                try await store.git(["for-each-ref", "--points-at", candidate]) == "",
                "no ref points at a candidate"
            )
            #expect(try await store.tip("refs/heads/main") == canon)
            let creator = try await store.client.call(
                StoreRPC.branchCreator,
                .with { $0.ref = "refs/cap/proposals/p1" }
            )
            #expect(creator.author == "alice")

            await expectRPCError(.permissionDenied, "alice is enrolled but not an approver") {
                try await self.land(store, candidate, try self.approval(candidate, by: self.alice, in: store))
            }
            await expectRPCError(.permissionDenied, "an approval of another candidate") {
                try await self.land(store, candidate, try self.approval(canon, by: self.practitioner, in: store))
            }
            var forged = try self.approval(candidate, by: self.practitioner, in: store)
            forged.ts += 1
            await expectRPCError(.permissionDenied, "a tampered approval") {
                try await self.land(store, candidate, forged)
            }
            await expectRPCError(.permissionDenied, "an unenrolled key") {
                try await self.land(
                    store,
                    candidate,
                    try self.approval(candidate, by: SigningKey(seed: [UInt8](repeating: 8, count: 32)), in: store)
                )
            }

            let landed = try await self.land(
                store,
                candidate,
                try self.approval(candidate, by: self.practitioner, in: store)
            )
            #expect(landed.canonOid == candidate && landed.previousCanonOid == canon)
            #expect(try await store.read("refs/heads/main", "practice/new.md") == "new")
            let ops = try await store.client.call(StoreRPC.commitOps, .with { $0.ref = "refs/cap/proposals/p1" })
            #expect(ops.commits.first?.opID == store.signer.opID("op_p1"))
        }
    }

    @Test("land after canon moved is ABORTED; conflicts and canon removals are refused by prepare")
    func refusedMerges() async throws {
        try await StoreFixture.with { store in
            let canon = try await self.seed(store)
            try await self.propose(store, "p1", at: canon, ["one.md": "1", "seed.md": "seed, edited by p1"])
            try await self.propose(store, "p2", at: canon, ["two.md": "2", "seed.md": "seed, edited by p2"])
            try await self.propose(store, "p3", at: canon, [:], deleting: ["keep.md"])
            let first = try await self.prepare(store, "p1")
            let second = try await self.prepare(store, "p2")
            _ = try await self.land(
                store,
                first.candidateOid,
                try self.approval(first.candidateOid, by: self.practitioner, in: store)
            )
            let moved = await expectRPCError(.aborted) {
                try await self.land(
                    store,
                    second.candidateOid,
                    try self.approval(second.candidateOid, by: self.practitioner, proposal: "p2", in: store)
                )
            }
            #expect(moved?.message.contains(first.candidateOid) == true)

            let conflict = await expectRPCError(.failedPrecondition) { try await self.prepare(store, "p2") }
            #expect(conflict?.message.contains("seed.md") == true)
            let preview = try await store.client.call(
                StoreRPC.previewMerge,
                .with { $0.proposalRef = "refs/cap/proposals/p3" }
            )
            #expect(preview.wouldRemoveCanon && preview.removed == ["keep.md"])
            let removal = await expectRPCError(.failedPrecondition) { try await self.prepare(store, "p3") }
            #expect(removal?.message.contains("keep.md") == true)
            #expect(try await store.tip("refs/heads/main") == first.candidateOid)
        }
    }
}
