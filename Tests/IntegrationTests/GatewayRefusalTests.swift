import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("Gateway refusals", .serialized)
struct RefusalTests {
    struct Refusal: Sendable, CustomStringConvertible {
        let tool: String
        let arguments: [String: JSONValue]
        let code: Choros_V1_Code
        let gate: String
        var description: String { "\(self.tool) → \(self.gate)" }
    }

    /// Every tool's own refusals not already exercised by the flow tests, each with its gate.
    static let refusals: [Refusal] = [
        .init(
            tool: "kip_get",
            arguments: ["ref": "refs/cap/perspectives/nobody", "path": "a"],
            code: .notFound,
            gate: "kip_get.ref"
        ),
        .init(tool: "kip_get", arguments: ["ref": "canon", "path": "../x"], code: .invalidArgument, gate: "input"),
        .init(tool: "kip_history", arguments: ["ref": "canon", "path": ""], code: .invalidArgument, gate: "input"),
        .init(tool: "map_search", arguments: ["query": " "], code: .invalidArgument, gate: "input"),
        .init(tool: "map_search", arguments: ["query": "x", "scope": "theirs"], code: .invalidArgument, gate: "input"),
        .init(tool: "map_search", arguments: ["query": "x", "limit": 500], code: .invalidArgument, gate: "input"),
        .init(tool: "announce", arguments: ["instance_id": "bob"], code: .permissionDenied, gate: "identity"),
        .init(
            tool: "proposal_status",
            arguments: ["proposal_id": "none"],
            code: .notFound,
            gate: "proposal_status.proposal"
        ),
        .init(
            tool: "conflict_preview",
            arguments: ["proposal_id": "none"],
            code: .notFound,
            gate: "conflict_preview.proposal"
        ),
        .init(
            tool: "propose_retract",
            arguments: ["proposal_id": "none", "path": "a", "op_id": "r0"],
            code: .notFound,
            gate: "propose_retract.proposal"
        ),
        .init(
            tool: "propose_retract",
            arguments: ["proposal_id": "mine", "path": "notes/absent", "op_id": "r1"],
            code: .notFound,
            gate: "propose_retract.path"
        ),
        .init(
            tool: "propose_close",
            arguments: ["proposal_id": "none", "reason": "x", "op_id": "c0"],
            code: .notFound,
            gate: "propose_close.proposal"
        ),
        .init(
            tool: "propose",
            arguments: [
                "proposal_id": "mine", "domain": "meta/log", "slug": "2", "seq": "3", "body": "x", "op_id": "p9",
            ],
            code: .invalidArgument,
            gate: "propose.log_entry"
        ),
        .init(
            tool: "imp_send",
            arguments: [
                "recipients": ["bob"], "subject": "s", "body": "b", "op_id": "m9", "supersedes": "messages/none",
            ],
            code: .notFound,
            gate: "imp_send.supersedes"
        ),
        .init(
            tool: "imp_mark_read",
            arguments: ["message_path": "messages/none"],
            code: .notFound,
            gate: "imp_mark_read.message"
        ),
        .init(
            tool: "vap_record",
            arguments: ["binds": "notes/none", "horizon": "h", "op_id": "v9"],
            code: .notFound,
            gate: "vap_record.binds"
        ),
        .init(tool: "vap_for", arguments: ["entry": "a", "author": "b"], code: .invalidArgument, gate: "input"),
        .init(
            tool: "vap_for",
            arguments: ["author": "alice", "detail": "everything"],
            code: .invalidArgument,
            gate: "input"
        ),
        .init(
            tool: "stage_approve",
            arguments: ["proposal_id": "mine", "code": "123456"],
            code: .failedPrecondition,
            gate: "log_entry"
        ),
        .init(
            tool: "land_approve",
            arguments: ["staged_oid_prefix": "0123abcd", "code": "123456"],
            code: .notFound,
            gate: "content_binding"
        ),
    ]

    @Test("each refusal names its gate and is audited as denied with its reason", arguments: Self.refusals.indices)
    func refusal(_ index: Int) async throws {
        let refusal = Self.refusals[index]
        try await GatewayFixture.with { fixture in
            let alice = try await fixture.connect("alice")
            try await alice.call(
                "propose",
                ["proposal_id": "mine", "domain": "notes", "slug": "a", "body": "A", "op_id": "p1"]
            )
            let message = await expectRefusal(refusal.code, gate: refusal.gate, "\(refusal)") {
                try await alice.call(refusal.tool, refusal.arguments)
            }
            let denial = try #require(try await fixture.lastDenial(of: "alice"), "\(refusal) was not audited")
            #expect(denial.gate == refusal.gate)
            #expect(message.hasSuffix(denial.reason), "the audit keeps the reason the caller saw")
            await alice.close()
        }
    }

    @Test("canon-dependent tools refuse clearly before canon exists")
    func beforeBootstrap() async throws {
        try await DaemonFixture.with(daemons: GatewayFixture.allDaemons) { daemons in
            let key = try await daemons.signer.enroll("alice")
            let alice = InstanceClient(
                name: "alice",
                key: key,
                socketPath: daemons.directory.path + "/data/run/gateway.sock"
            )
            try await alice.bind()
            await expectRefusal(.failedPrecondition, gate: "canon_diff.canon") { try await alice.call("canon_diff") }
            await expectRefusal(.failedPrecondition, gate: "sup_reconcile.canon") {
                try await alice.call("sup_reconcile", ["body": "x"])
            }
            await expectRefusal(.failedPrecondition, gate: "propose.canon") {
                try await alice.call(
                    "propose",
                    ["proposal_id": "p", "domain": "notes", "slug": "a", "body": "x", "op_id": "p1"]
                )
            }
            #expect(try await alice.call("canon_head")["tip"] == nil)
            await alice.close()
        }
    }
}
