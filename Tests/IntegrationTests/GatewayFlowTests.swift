import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("Gateway tools", .serialized)
struct GatewayFlowTests {
    @Test("authoring lanes: messages, vantages, reconciliations and other perspectives are refused")
    func lanes() async throws {
        try await GatewayFixture.with { fixture in
            let alice = try await fixture.connect("alice")
            let written = try await alice.call(
                "kip_commit",
                ["domain": "notes", "slug": "a", "body": "Alpha about rivers", "op_id": "a1", "tags": ["water"]]
            )
            #expect(written["path"] as? String == "notes/a.md")
            #expect(written["author"] as? String == "alice")
            #expect(written["ref"] as? String == "refs/cap/perspectives/alice")
            for (domain, slug) in [("messages", "m"), ("vantages", "v"), ("state", "reconciled-0123456789ab")] {
                await expectRefusal(.permissionDenied, gate: "lane", "\(domain)/\(slug)") {
                    try await alice.call(
                        "kip_commit",
                        [
                            "domain": .string(domain), "slug": .string(slug), "body": "x",
                            "op_id": .string("l-\(domain)"),
                        ]
                    )
                }
                #expect(try await fixture.lastDenial(of: "alice")?.gate == "lane")
            }
            await expectRefusal(.permissionDenied, gate: "identity", "another instance's perspective") {
                try await alice.call(
                    "kip_commit",
                    ["domain": "notes", "slug": "z", "body": "x", "op_id": "z1", "instance_id": "bob"]
                )
            }
            await expectRefusal(.failedPrecondition, gate: "kip_commit.immutable") {
                try await alice.call("kip_commit", ["domain": "notes", "slug": "a", "body": "changed", "op_id": "a2"])
            }
            // The allowed edit: a successor that supersedes flips the old entry's status.
            try await alice.call(
                "kip_commit",
                ["domain": "notes", "slug": "a2", "body": "Alpha, revised", "op_id": "a3", "supersedes": "notes/a"]
            )
            // `supersedes` names the path the store flips: one outside the tree is refused
            // before anything is written.
            let before = try await alice.call("my_perspective")["tip"] as? String
            for escape in ["../../refs/cap/registry", "/etc/passwd", "notes/../../x"] {
                await expectRPCError(.invalidArgument, "supersedes \(escape)") {
                    try await alice.call(
                        "kip_commit",
                        [
                            "domain": "notes", "slug": "esc", "body": "x", "op_id": .string("esc-\(escape)"),
                            "supersedes": .string(escape),
                        ]
                    )
                }
            }
            #expect(try await alice.call("my_perspective")["tip"] as? String == before)
            let live = try await alice.call("kip_get", ["ref": "alice", "path": "notes/a"])
            #expect(live["path"] as? String == "notes/a2.md")
            #expect(live["resolved_from"] as? String == "notes/a.md")
            let exact = try await alice.call("kip_get", ["ref": "alice", "path": "notes/a", "resolve": "exact"])
            #expect(exact["status"] as? String == "superseded")
            #expect((exact["text"] as? String)?.contains("Alpha about rivers") == true)
            let miss = await expectRefusal(.notFound, gate: "kip_get.path") {
                try await alice.call("kip_get", ["ref": "canon", "path": "notes/a2"])
            }
            #expect(miss.contains("alice"), "a miss names where the path exists: \(miss)")
            await alice.close()
        }
    }

    @Test("two instances author, propose, land, reconcile, message and record vantages")
    func endToEnd() async throws {
        try await GatewayFixture.with { fixture in
            let alice = try await fixture.connect("alice")
            let bob = try await fixture.connect("bob")
            try await alice.call(
                "kip_commit",
                ["domain": "notes", "slug": "rivers", "body": "Rivers carve valleys.", "op_id": "a1"]
            )
            try await bob.call(
                "kip_commit",
                ["domain": "notes", "slug": "hills", "body": "Hills erode slowly.", "op_id": "b1"]
            )

            // Reads.
            let hits = try await bob.call("map_search", ["query": "rivers valleys"])["hits"] as? [[String: Any]] ?? []
            #expect(hits.first?["author"] as? String == "alice")
            #expect(hits.first?["path"] as? String == "notes/rivers.md")
            let listed = try await bob.call("list_entries", ["ref": "alice"])["entries"] as? [[String: Any]] ?? []
            #expect(listed.map { $0["path"] as? String } == ["notes/rivers.md"])
            let mine = try await bob.call("my_perspective")["entries"] as? [[String: Any]] ?? []
            #expect(mine.map { $0["path"] as? String } == ["notes/hills.md"])
            let history =
                try await bob.call("kip_history", ["ref": "alice", "path": "notes/rivers"])["versions"]
                as? [[String: Any]]
            #expect(history?.count == 1)

            // Alice proposes with a log entry; malformed log entries never reach the practitioner.
            await expectRefusal(.invalidArgument, gate: "propose.log_entry") {
                try await alice.call(
                    "propose",
                    ["proposal_id": "p1", "domain": "meta/log", "slug": "1A", "body": "x", "op_id": "bad"]
                )
            }
            try await alice.call(
                "propose",
                [
                    "proposal_id": "p1", "domain": "notes", "slug": "rivers", "body": "Rivers carve valleys.",
                    "op_id": "p1a",
                ]
            )
            try await alice.call(
                "propose",
                ["proposal_id": "p1", "domain": "meta/log", "slug": "1", "body": "Adds rivers.", "op_id": "p1b"]
            )
            let preview = try await alice.call("conflict_preview", ["proposal_id": "p1"])
            #expect(preview["log_entry_ok"] as? Bool == true, "\(preview)")
            #expect(preview["expected_seq"] as? String == "1")
            #expect(try await alice.call("proposal_status", ["proposal_id": "p1"])["state"] as? String == "open")
            let landed = try await fixture.land("p1", seq: 1)
            #expect(try await bob.call("proposal_status", ["proposal_id": "p1"])["state"] as? String == "landed")
            let state = try await bob.call("canon_state")
            #expect(state["tip"] as? String == landed)
            #expect(state["display"] as? String == "::1")
            #expect(state["next_seq"] as? String == "2")

            // Bob must pull and reconcile before he may propose.
            let refusal = await expectRefusal(.failedPrecondition, gate: "propose.reconciled") {
                try await bob.call(
                    "propose",
                    [
                        "proposal_id": "p2", "domain": "notes", "slug": "hills", "body": "Hills erode slowly.",
                        "op_id": "p2a",
                    ]
                )
            }
            #expect(refusal.contains(String(landed.prefix(12))))
            #expect(try await fixture.lastDenial(of: "bob")?.gate == "propose.reconciled")
            await expectRefusal(.failedPrecondition, gate: "sup_reconcile.cursor") {
                try await bob.call("sup_reconcile", ["body": "not yet"])
            }
            let diff = try await bob.call("canon_diff")
            #expect(
                (diff["added"] as? [[String: Any]])?.contains { $0["path"] as? String == "notes/rivers.md" } == true
            )
            #expect((diff["log_entries"] as? [[String: Any]])?.first?["path"] as? String == "meta/log/1.md")
            let reconciled = try await bob.call("sup_reconcile", ["body": "Rivers landed; nothing of mine conflicts."])
            #expect(reconciled["path"] as? String == "state/reconciled-\(landed.prefix(12)).md")
            #expect(try await bob.call("sup_reconcile", ["body": "again"])["already"] as? Bool == true)
            #expect(try await bob.call("sup_state")["current_with_canon"] as? Bool == true)
            let who = try await bob.call("sup_who")["instances"] as? [[String: Any]] ?? []
            #expect(
                who.first { $0["name"] as? String == "alice" }?["current_with_canon"] == nil,
                "alice has not reconciled"
            )
            #expect(who.first { $0["name"] as? String == "bob" }?["current_with_canon"] as? Bool == true)
            try await bob.call(
                "propose",
                [
                    "proposal_id": "p2", "domain": "notes", "slug": "hills", "body": "Hills erode slowly.",
                    "op_id": "p2a",
                ]
            )
            try await bob.call(
                "propose",
                ["proposal_id": "p2", "domain": "notes", "slug": "extra", "body": "Extra.", "op_id": "p2b"]
            )

            // Only the creator retracts; creator or approver closes; closed is terminal.
            await expectRefusal(.permissionDenied, gate: "proposal.creator") {
                try await alice.call("propose_retract", ["proposal_id": "p2", "path": "notes/extra", "op_id": "r1"])
            }
            try await bob.call("propose_retract", ["proposal_id": "p2", "path": "notes/extra", "op_id": "r2"])
            let afterRetract = try await bob.call("conflict_preview", ["proposal_id": "p2"])
            #expect((afterRetract["added"] as? [String]) == ["notes/hills.md"])
            #expect(afterRetract["log_entry_ok"] == nil, "no log entry yet")
            await expectRefusal(.permissionDenied, gate: "proposal.creator") {
                try await alice.call("propose_close", ["proposal_id": "p2", "reason": "not mine", "op_id": "c1"])
            }
            try await bob.call("propose_close", ["proposal_id": "p2", "reason": "superseded by p3", "op_id": "c2"])
            #expect(
                try await bob.call("propose_close", ["proposal_id": "p2", "reason": "again", "op_id": "c3"])["already"]
                    as? Bool == true
            )
            let closed = try await bob.call("proposal_status", ["proposal_id": "p2"])
            #expect(closed["state"] as? String == "closed")
            #expect(closed["reason"] as? String == "superseded by p3")
            await expectRefusal(.failedPrecondition, gate: "propose.closed") {
                try await bob.call(
                    "propose",
                    ["proposal_id": "p2", "domain": "notes", "slug": "late", "body": "x", "op_id": "p2c"]
                )
            }
            let proposals = try await bob.call("list_proposals")["proposals"] as? [[String: Any]] ?? []
            #expect(proposals.map { $0["state"] as? String } == ["landed", "closed"])

            // Messages show in the recipient's inbox and clear with a read receipt.
            await expectRefusal(.notFound, gate: "imp_send.recipients") {
                try await alice.call(
                    "imp_send",
                    ["recipients": ["carol"], "subject": "hi", "body": "x", "op_id": "m0"]
                )
            }
            let sent = try await alice.call(
                "imp_send",
                ["recipients": ["Bob"], "subject": "rivers", "body": "Read my zeppelin notes?", "op_id": "m1"]
            )
            #expect(sent["path"] as? String == "messages/m1.md")
            let inbox = try await bob.call("imp_check")
            #expect(inbox["count"] as? Int == 1)
            #expect((inbox["messages"] as? [[String: Any]])?.first?["from"] as? String == "alice")
            #expect(try await bob.call("imp_flags")["senders"] as? [String] == ["alice"])
            try await bob.call("imp_mark_read", ["message_path": "messages/m1.md"])
            #expect(try await bob.call("imp_check")["count"] == nil, "nothing unread")
            #expect(try await bob.call("imp_check", ["unread_only": false])["count"] as? Int == 1)
            #expect(try await alice.call("imp_check")["count"] == nil, "a sender does not receive her own message")
            let search = try await bob.call("map_search", ["query": "zeppelin"])["hits"] as? [[String: Any]] ?? []
            #expect(search.isEmpty, "messages never surface in search")

            // Vantages: confirmed only on your own entries.
            await expectRefusal(.permissionDenied, gate: "vap_record.dignity") {
                try await bob.call("vap_record", ["binds": "notes/rivers", "horizon": "after land", "op_id": "v1"])
            }
            try await bob.call(
                "vap_record",
                ["binds": "notes/rivers", "horizon": "after land", "op_id": "v2", "kind": "reconstructed"]
            )
            try await bob.call("vap_record", ["binds": "notes/hills", "horizon": "my own", "op_id": "v3"])
            let vantages =
                try await alice.call("vap_for", ["entry": "notes/rivers"])["vantages"] as? [[String: Any]] ?? []
            #expect(vantages.map { $0["kind"] as? String } == ["reconstructed"])
            #expect(vantages.first?["author"] as? String == "bob")
            await expectRefusal(.invalidArgument, gate: "input") { try await alice.call("vap_for", [:]) }

            // Orientation renders canon's slots live.
            let orientation = try await alice.call("orientation")
            let slots = orientation["slots"] as? [[String: Any]] ?? []
            #expect(slots.count == 6)
            #expect(slots.first { $0["name"] as? String == "welcome" }?["authored"] as? Bool == true)
            #expect((try await alice.call("announce")["welcome"] as? String)?.contains("alice") == true)
            await alice.close()
            await bob.close()
        }
    }
}
