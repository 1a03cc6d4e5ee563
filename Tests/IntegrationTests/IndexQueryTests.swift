import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("choros-index: inbox, vantages, authors, lineage", .timeLimit(.minutes(3)))
struct IndexQueryTests {
    private func message(to recipients: String, subject: String, supersedes: String = "") -> String {
        "---\ntype: msg\nrecipients: [\(recipients)]\nsubject: \(subject)\n"
            + (supersedes.isEmpty ? "" : "supersedes: \(supersedes)\n") + "---\n\nbody"
    }

    @Test("inbox: exact recipients, supersession within one sender, unread from audit receipts")
    func inbox() async throws {
        try await DaemonFixture.with(daemons: ["store", "audit", "index"]) { fixture in
            try await fixture.commitAndIndex(
                author: "alice",
                [
                    "messages/m1.md": self.message(to: "bob", subject: "first"),
                    "messages/m2.md": self.message(to: "bob, carol", subject: "second", supersedes: "messages/m1.md"),
                    "messages/m4.md": self.message(to: "Bob", subject: "other casing"),
                ]
            )
            // Carol's message names alice's path: supersession never crosses senders.
            try await fixture.commitAndIndex(
                author: "carol",
                ["messages/c1.md": self.message(to: "bob", subject: "carol's", supersedes: "messages/m1.md")]
            )
            var receipt = Choros_V1_AuditEventInput()
            receipt.actor = "bob"
            receipt.op = "message.read"
            receipt.targetRef = "refs/cap/perspectives/alice"
            receipt.targetPath = "messages/m2.md"
            receipt.outcome = "ok"
            _ = try await fixture.audit.call(AuditRPC.append, .with { $0.events = [receipt] })

            let all = try await fixture.index.call(IndexRPC.inbox, .with { $0.reader = "bob" }).messages
            #expect(all.map(\.subject).sorted() == ["carol's", "first", "second"])
            let first = try #require(all.first { $0.subject == "first" })
            #expect(first.supersededBy == "messages/m2.md" && first.from == "alice")
            let carols = try #require(all.first { $0.subject == "carol's" })
            #expect(carols.supersededBy.isEmpty && carols.from == "carol")
            #expect(all.first { $0.subject == "second" }?.isRead == true)
            let unread = try await fixture.index.call(
                IndexRPC.inbox,
                .with {
                    $0.reader = "bob"
                    $0.unreadOnly = true
                }
            ).messages
            #expect(unread.map(\.subject).sorted() == ["carol's", "first"])
            #expect(
                try await fixture.index.call(IndexRPC.inbox, .with { $0.reader = "Bob" }).messages.map(\.subject) == [
                    "other casing"
                ]
            )
        }
    }

    @Test("vantages by entry, author and canon state, paged with the bound entry's status; authors of a path")
    func vantages() async throws {
        try await DaemonFixture.with(daemons: ["store", "audit", "index"]) { fixture in
            try await fixture.commitAndIndex(
                author: "alice",
                [
                    "notes/x.md": "---\nstatus: superseded\n---\n\nx",
                    "vantages/v1.md":
                        "---\ntype: vap\nbinds: notes/x.md\nhorizon: next land\nkind: confirmed\ncanon_state: 3c\n---\n\n",
                    "vantages/v2.md":
                        "---\ntype: vap\nbinds: notes/x.md\nhorizon: later\nkind: confirmed\ncanon_state: 3d\n---\n\n",
                ]
            )
            try await fixture.commitAndIndex(
                author: "bob",
                [
                    "notes/x.md": "bob's x",
                    "vantages/v3.md":
                        "---\ntype: vap\nbinds: notes/x.md\nhorizon: now\nkind: reconstructed\ncanon_state: 3c\n---\n\n",
                ]
            )
            let page = try await fixture.index.call(
                IndexRPC.vantages,
                .with {
                    $0.entry = "notes/x.md"
                    $0.limit = 2
                }
            )
            #expect(page.count == 2 && page.total == 3 && page.truncated)
            #expect(page.vantages.first?.bindsStatus == "superseded")
            let rest = try await fixture.index.call(
                IndexRPC.vantages,
                .with {
                    $0.entry = "notes/x.md"
                    $0.limit = 2
                    $0.offset = 2
                }
            )
            #expect(
                rest.vantages.map(\.author) == ["bob"] && !rest.truncated
                    && rest.vantages.first?.kind == "reconstructed"
            )
            #expect(try await fixture.index.call(IndexRPC.vantages, .with { $0.author = "alice" }).total == 2)
            #expect(try await fixture.index.call(IndexRPC.vantages, .with { $0.canonState = "3c" }).total == 2)
            #expect(
                try await fixture.index.call(IndexRPC.authorsOf, .with { $0.path = "notes/x.md" }).authors == [
                    "alice", "bob",
                ]
            )
        }
    }

    @Test("lineage follows references and supersedes both ways, transitively, and ends on a cycle")
    func lineage() async throws {
        try await DaemonFixture.with(daemons: ["store", "audit", "index"]) { fixture in
            try await fixture.commitAndIndex(
                author: "alice",
                [
                    "a.md": "---\nreferences: [c.md]\n---\n\na",
                    "b.md": "---\nreferences: [a.md]\n---\n\nb",
                    "c.md": "---\nsupersedes: b.md\n---\n\nc",
                    "d.md": "unrelated",
                ]
            )
            let down = try await fixture.index.call(
                IndexRPC.lineage,
                .with {
                    $0.path = "a.md"
                    $0.direction = "down"
                }
            ).links
            #expect(
                down.map { "\($0.from)->\($0.to):\($0.kind)@\($0.depth)" } == [
                    "b.md->a.md:references@1", "c.md->b.md:supersedes@2", "a.md->c.md:references@3",
                ]
            )
            let up = try await fixture.index.call(
                IndexRPC.lineage,
                .with {
                    $0.path = "b.md"
                    $0.direction = "up"
                }
            ).links
            #expect(up.map { "\($0.from)->\($0.to)" } == ["b.md->a.md", "a.md->c.md", "c.md->b.md"])
            let both = try await fixture.index.call(IndexRPC.lineage, .with { $0.path = "d.md" }).links
            #expect(both.isEmpty)
        }
    }
}
