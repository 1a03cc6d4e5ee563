import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

/// TRUST.md, rule 2, attack by attack: each forged request goes straight to an internal
/// socket as the service user (past the peer check, as a compromised daemon or a loosened
/// socket would), and the daemon that owns the data refuses it itself, with nothing changed
/// in git or in the log.
@Suite("Trust: every daemon verifies what it writes", .serialized, .timeLimit(.minutes(3)))
struct TrustAttackTests {
    static let lintelRef = "refs/cap/perspectives/lintel"

    /// A deployment with canon, lintel and mallory enrolled, and one real commit by lintel.
    private func withVictims(_ body: (DaemonFixture, SigningKey) async throws -> Void) async throws {
        try await DaemonFixture.with { daemons in
            _ = try await daemons.store.call(
                StoreRPC.bootstrap,
                .with { $0.files = [.with { $0.path = "canon.md" }] }
            )
            try await daemons.commit(Self.lintelRef, ["notes/real.md": "lintel's own"], author: "lintel")
            let mallory = try await daemons.signer.enroll("mallory")
            try await body(daemons, mallory)
        }
    }

    private func snapshot(_ daemons: DaemonFixture) async throws -> [String] {
        let refs = try await daemons.store.call(StoreRPC.listRefs, .with { $0.prefix = "refs/" }).refs
        let head = try await daemons.audit.call(AuditRPC.head, .init())
        return refs.map { "\($0.name) \($0.oid)" } + ["audit \(head.seq) \(head.hash)"]
    }

    private func forgedCommit(
        _ ref: String,
        _ files: [String: String],
        op: Choros_V1_SignedOp? = nil,
        parent: String = ""
    ) -> Choros_V1_CommitRequest {
        .with { request in
            request.ref = ref
            request.author = "lintel"
            request.expectedParent = parent
            request.changes = files.map { path, text in
                .with {
                    $0.path = path
                    $0.content = Data(text.utf8)
                }
            }
            if let op { request.op = op }
        }
    }

    @Test("a commit into another instance's perspective: unsigned, signed by another, by a stranger — refused")
    func perspectiveImpersonation() async throws {
        try await self.withVictims { daemons, mallory in
            let before = try await self.snapshot(daemons)
            let tip = try await daemons.store.call(StoreRPC.resolve, .with { $0.ref = Self.lintelRef }).oid
            let unsigned = await expectRPCError(.permissionDenied) {
                try await daemons.store.call(
                    StoreRPC.commit,
                    self.forgedCommit(Self.lintelRef, ["x.md": "forged"], parent: tip)
                )
            }
            #expect(unsigned?.message.contains("must carry the signed op") == true)

            let byMallory = try SignedOperation.make(
                type: .reconcileReport,
                body: ["report": "I am lintel now"],
                timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                key: mallory,
                deployment: daemons.signer.deployment
            )
            let asOther = await expectRPCError(.permissionDenied) {
                try await daemons.store.call(
                    StoreRPC.commit,
                    self.forgedCommit(Self.lintelRef, ["x.md": "forged"], op: byMallory.proto, parent: tip)
                )
            }
            #expect(asOther?.message.contains("is lintel's perspective; the op is signed by 'mallory'") == true)

            let stranger = try SignedOperation.make(
                type: .reconcileReport,
                body: ["report": "nobody knows me"],
                timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                key: try SigningKey.generate(),
                deployment: daemons.signer.deployment
            )
            let unknown = await expectRPCError(.permissionDenied) {
                try await daemons.store.call(
                    StoreRPC.commit,
                    self.forgedCommit(Self.lintelRef, ["x.md": "forged"], op: stranger.proto, parent: tip)
                )
            }
            #expect(unknown?.message.contains("is not enrolled") == true)

            // A bare branch cannot plant a commit either: only proposals, at canon.
            let planted = await expectRPCError(.permissionDenied) {
                try await daemons.store.call(
                    StoreRPC.createBranch,
                    .with {
                        $0.ref = "refs/cap/perspectives/newcomer"
                        $0.oid = tip
                    }
                )
            }
            #expect(planted?.message.contains("only proposal branches are created bare") == true)
            #expect(try await self.snapshot(daemons) == before, "nothing changed in git or the log")
        }
    }

    @Test("rewriting the registry with one's own key as the practitioner, then landing with it — refused")
    func registryAndCanonTakeover() async throws {
        try await self.withVictims { daemons, mallory in
            let attacker = try SigningKey.generate()
            let before = try await self.snapshot(daemons)
            let forgedRecord = InstanceRecord(
                name: try InstanceName("practitioner"),
                author: attacker.author,
                enrolledAt: 1
            )
            let files = [forgedRecord.path: String(decoding: forgedRecord.fileContent, as: UTF8.self)]
            let registryTip = try await daemons.store.call(StoreRPC.resolve, .with { $0.ref = "refs/cap/registry" }).oid

            let selfSigned = try SignedOperation.make(
                type: .instanceEnroll,
                body: ["name": "practitioner", "author": .string(attacker.author.rawValue)],
                timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                key: attacker,
                deployment: daemons.signer.deployment
            )
            let genesis = await expectRPCError(.permissionDenied) {
                try await daemons.store.call(
                    StoreRPC.commit,
                    self.forgedCommit("refs/cap/registry", files, op: selfSigned.proto, parent: registryTip)
                )
            }
            #expect(
                genesis?.message.contains("is not enrolled") == true,
                "self-enrollment is for an empty registry only"
            )

            let byInstance = try SignedOperation.make(
                type: .instanceEnroll,
                body: ["name": "practitioner", "author": .string(attacker.author.rawValue)],
                timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                key: mallory,
                deployment: daemons.signer.deployment
            )
            let notApprover = await expectRPCError(.permissionDenied) {
                try await daemons.store.call(
                    StoreRPC.commit,
                    self.forgedCommit("refs/cap/registry", files, op: byInstance.proto, parent: registryTip)
                )
            }
            #expect(notApprover?.message.contains("'mallory' is not an approver") == true)

            // With the registry intact, the attacker's canon.land names an unknown approver.
            let canon = try await daemons.store.call(StoreRPC.resolve, .with { $0.ref = "refs/heads/main" }).oid
            _ = try await daemons.store.call(
                StoreRPC.createBranch,
                .with {
                    $0.ref = "refs/cap/proposals/grab"
                    $0.oid = canon
                }
            )
            try await daemons.commit("refs/cap/proposals/grab", ["meta/grab.md": "mine"], author: "mallory")
            let beforeLand = try await self.snapshot(daemons)
            let prepared = try await daemons.store.call(
                StoreRPC.prepareMerge,
                .with { $0.proposalRef = "refs/cap/proposals/grab" }
            )
            let approval = try SignedOperation.make(
                type: .canonLand,
                body: ["proposal_id": "grab", "candidate_oid": .string(prepared.candidateOid), "channel": "console"],
                timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                key: attacker,
                deployment: daemons.signer.deployment
            )
            let land = await expectRPCError(.permissionDenied) {
                try await daemons.store.call(
                    StoreRPC.landMerge,
                    .with {
                        $0.candidateOid = prepared.candidateOid
                        $0.approval = approval.proto
                    }
                )
            }
            #expect(land?.message.contains("approval refused") == true)
            #expect(before.contains { $0.hasPrefix("refs/cap/registry ") && $0.hasSuffix(registryTip) })
            #expect(try await self.snapshot(daemons) == beforeLand, "canon and the registry did not move")
        }
    }

    @Test("fetching canon forward from a repository the attacker made moves no live ref")
    func fetchForward() async throws {
        try await self.withVictims { daemons, _ in
            // The attacker's repository: another store whose canon has its own history.
            try await StoreFixture.with { evil in
                _ = try await evil.client.call(
                    StoreRPC.bootstrap,
                    .with { $0.files = [.with { $0.path = "evil.md" }] }
                )
                let mirror = evil.directory.appending("evil.git")
                _ = try await evil.client.call(StoreRPC.pushAll, .with { $0.remote = mirror })
                let before = try await self.snapshot(daemons)
                let canon = try await daemons.store.call(StoreRPC.resolve, .with { $0.ref = "refs/heads/main" }).oid
                let fetched = try await daemons.store.call(StoreRPC.fetch, .with { $0.remote = mirror })
                #expect(fetched.updated.allSatisfy { $0.name.hasPrefix("refs/remotes/fetched/") })
                #expect(
                    try await daemons.store.call(StoreRPC.resolve, .with { $0.ref = "refs/heads/main" }).oid == canon
                )
                let promote = await expectRPCError(.permissionDenied) {
                    try await daemons.store.call(StoreRPC.promote, .init())
                }
                #expect(promote?.message.contains("fills an empty store only") == true)
                let live = try await self.snapshot(daemons).filter { !$0.hasPrefix("refs/remotes/") }
                #expect(live == before)
            }
        }
    }

    @Test("forged audit events: a stranger's envelope, another's envelope, a tampered one — refused")
    func forgedAuditEvents() async throws {
        try await self.withVictims { daemons, mallory in
            let before = try await daemons.audit.call(AuditRPC.head, .init())
            func signed(_ key: SigningKey) throws -> SignedOperation {
                try SignedOperation.make(
                    type: .reconcileReport,
                    body: ["report": "forged"],
                    timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                    key: key,
                    deployment: daemons.signer.deployment
                )
            }
            func append(actor: String, envelope: [UInt8], opID: String) async throws {
                var input = event(actor, "reconcile.report", opID: opID)
                input.envelope = Data(envelope)
                try await daemons.append([input])
            }
            let stranger = try signed(try SigningKey.generate())
            let strange = await expectRPCError(.invalidArgument) {
                try await append(actor: "lintel", envelope: stranger.canonicalBytes, opID: stranger.id.rawValue)
            }
            #expect(strange?.message.contains("which was never enrolled") == true)

            let malloryOp = try signed(mallory)
            let misattributed = await expectRPCError(.invalidArgument) {
                try await append(actor: "lintel", envelope: malloryOp.canonicalBytes, opID: malloryOp.id.rawValue)
            }
            #expect(misattributed?.message.contains("actor 'lintel' did not sign this envelope: 'mallory' did") == true)

            let tampered = String(decoding: malloryOp.canonicalBytes, as: UTF8.self)
                .replacingOccurrences(of: "forged", with: "edited")
            let edited = await expectRPCError(.invalidArgument) {
                try await append(actor: "mallory", envelope: Array(tampered.utf8), opID: malloryOp.id.rawValue)
            }
            #expect(edited?.message.contains("the envelope does not verify") == true)

            let oversized = await expectRPCError(.invalidArgument) {
                try await daemons.append([event(String(repeating: "x", count: 65), "denied")])
            }
            #expect(oversized?.message.contains("actor is 65 bytes; the limit is 64") == true)
            let after = try await daemons.audit.call(AuditRPC.head, .init())
            #expect(after.seq == before.seq && after.hash == before.hash, "nothing was appended")

            // An unsigned event naming mallory's op id does not stand in for the signed act.
            let squatter = event("lintel", "reconcile.report", ref: "refs/x", opID: malloryOp.id.rawValue)
            try await daemons.append([squatter])
            var real = event("mallory", "reconcile.report", ref: "refs/x", opID: malloryOp.id.rawValue)
            real.envelope = Data(malloryOp.canonicalBytes)
            let recorded = try #require(try await daemons.append([real]).first)
            #expect(recorded.actor == "mallory" && recorded.envelope == Data(malloryOp.canonicalBytes))
            #expect(try await daemons.append([real]).first?.seq == recorded.seq, "the same act again is recorded once")
        }
    }

    @Test("a snapshot or a mirror anywhere but backup_dirs — refused, through .. and symlinks too")
    func confinedDestinations() async throws {
        try await self.withVictims { daemons, _ in
            let outside = try TemporaryDirectory(prefix: "cho")
            defer { outside.remove() }
            let link = daemons.directory.appending("escape")
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: outside.path)
            for path in [
                outside.appending("log.sqlite"), link + "/log.sqlite", daemons.directory.path + "/../x.sqlite",
                "relative.sqlite",
            ] {
                let refused = await expectRPCError(.permissionDenied, "\(path)") {
                    try await daemons.audit.call(AuditRPC.snapshot, .with { $0.path = path })
                }
                #expect(refused?.message.contains("outside the configured backup_dirs") == true, "\(path)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
            let existing = daemons.directory.appending("choros.toml")
            let overwrite = await expectRPCError(.permissionDenied) {
                try await daemons.audit.call(AuditRPC.snapshot, .with { $0.path = existing })
            }
            #expect(overwrite?.message.contains("never overwrites") == true)

            for remote in [outside.appending("all.git"), link + "/all.git", "https://example.invalid/all.git"] {
                await expectRPCError(.permissionDenied, "\(remote)") {
                    try await daemons.store.call(StoreRPC.pushAll, .with { $0.remote = remote })
                }
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
            _ = try await daemons.audit.call(
                AuditRPC.snapshot,
                .with { $0.path = daemons.directory.appending("ok.sqlite") }
            )
            #expect(FileManager.default.fileExists(atPath: daemons.directory.appending("ok.sqlite")), "inside is fine")
        }
    }
}
