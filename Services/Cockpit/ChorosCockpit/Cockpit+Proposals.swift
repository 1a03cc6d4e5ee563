internal import ChorosCore
internal import ChorosPractitioner
internal import ChorosProto
internal import Foundation
internal import Hummingbird
internal import NIOConcurrencyHelpers

/// The overview, and the proposal page where a land is judged and made.
extension Cockpit {
    func addOverview(to router: RouterGroup<CockpitContext>) {
        router.get("/") { request, _ in
            await self.attempt(section: "overview") {
                let values = try await self.overview()
                if self.query(request)["fragment"] != nil {
                    return self.page.fragment("overview", values)
                }
                return self.page.render(
                    "overview",
                    values,
                    title: "Overview",
                    section: "overview",
                    unread: values["unread"] as? Int ?? 0,
                    live: 5
                )
            }
        }
    }

    func overview() async throws -> [String: Any] {
        let overview = try await self.practitioner.overview()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let staged = Set(overview.staged.map(\.proposal))
        return [
            "canon": [
                "display": overview.canon.display.isEmpty ? "::0" : overview.canon.display,
                "tip": String(overview.canon.tip.prefix(12)), "next": overview.canon.nextSeq,
            ],
            "unread": overview.unread,
            "auditHead": overview.auditHead,
            "verify": self.verified.withLockedValue { $0 },
            "daemons": overview.daemons.map {
                ["name": $0.name, "state": $0.serving ? "ok" : "down", "detail": $0.detail]
            },
            "hasStaged": !overview.staged.isEmpty,
            "staged": overview.staged.map { item -> [String: Any] in
                let wait = (item.landsAfter - now + 999) / 1000
                return [
                    "proposal": item.proposal, "oid": String(item.oid.prefix(12)),
                    "floor": wait > 0 ? "in \(wait) s" : "now", "expires": Page.time(item.expiresAt),
                ]
            },
            "hasProposals": !overview.proposals.isEmpty,
            "proposals": overview.proposals.sorted {
                ($0.state == "open" ? 0 : 1, $0.proposalID) < ($1.state == "open" ? 0 : 1, $1.proposalID)
            }
            .map { proposal -> [String: Any] in
                [
                    "id": proposal.proposalID, "state": proposal.state, "creator": proposal.creator,
                    "reason": proposal.reason, "staged": staged.contains(proposal.proposalID),
                ]
            },
            "instances": overview.instances.filter { $0.name.lowercased() != self.practitioner.name }
                .map { instance -> [String: Any] in
                    [
                        "name": instance.name, "current": instance.currentWithCanon, "revoked": instance.revoked,
                        "cursor": instance.cursor.isEmpty ? "none" : instance.cursor,
                    ]
                },
            "hasLands": !overview.canon.lands.isEmpty,
            "lands": overview.canon.lands.map { land -> [String: Any] in
                [
                    "seq": "::" + land.seq.uppercased(), "proposal": land.proposalID, "by": land.by,
                    "time": Page.time(land.timeMs),
                ]
            },
        ]
    }

    func addProposals(to router: RouterGroup<CockpitContext>) {
        router.get("proposals/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            return await self.attempt(section: "overview", back: "/") {
                self.page.render(
                    "proposal",
                    try await self.proposal(id, csrf: self.csrf(context)),
                    title: "Proposal \(id)",
                    section: "overview"
                )
            }
        }
        router.post("proposals/:id/land") { _, context in
            let id = context.parameters.get("id") ?? ""
            return await self.attempt(section: "overview", back: "/proposals/\(id)") {
                guard context.form["confirm"] == id else {
                    return self.page.notice(
                        "Not landed",
                        "Type the proposal's id exactly (\(id)) to land it.",
                        tone: "bad",
                        back: "/proposals/\(id)",
                        status: .badRequest
                    )
                }
                let result = try await self.practitioner.land(id)
                return self.page.render(
                    "landed",
                    [
                        "id": id, "display": "::" + result.seq.uppercased(), "tag": result.tag,
                        "canonOid": result.canonOid, "previous": result.previousCanonOid, "auditSeq": result.auditSeq,
                        "anchoredSeq": result.anchoredSeq, "indexed": result.indexedPaths,
                    ],
                    title: "Landed \(id)",
                    section: "overview"
                )
            }
        }
        router.post("proposals/:id/close") { _, context in
            let id = context.parameters.get("id") ?? ""
            return await self.attempt(section: "overview", back: "/proposals/\(id)") {
                _ = try await self.practitioner.close(id, reason: context.form["reason"] ?? "")
                return Page.redirect("/proposals/\(id)")
            }
        }
    }

    func proposal(_ id: String, csrf: String) async throws -> [String: Any] {
        async let status = self.practitioner.tool(
            "proposal_status",
            ["proposal_id": .string(id)],
            as: Choros_V1_ProposalState.self
        )
        async let staged = self.practitioner.staged()
        let preview = try await self.practitioner.preview(id)
        let changes = try await self.practitioner.changes(preview)
        let state: Choros_V1_ProposalState? = try await status
        let isOpen = state?.state == "open"
        let logTone = preview.logEntryOk ? "good" : "bad"
        return [
            "id": id, "csrf": csrf, "state": state?.state ?? "open", "creator": state?.creator ?? "",
            "staged": try await staged.contains { $0.proposal == id },
            "proposalOid": String(preview.proposalOid.prefix(12)), "canonOid": String(preview.canonOid.prefix(12)),
            "hasConflicts": !preview.conflicts.isEmpty, "conflicts": preview.conflicts,
            "wouldRemove": preview.wouldRemoveCanon, "logTone": logTone,
            "logMessage": preview.logEntryOk
                ? "\(preview.logEntries.joined(separator: ", ")) is in order" : preview.logProblem,
            "authors": preview.authors.joined(separator: ", "),
            "expectedSeq": "::" + preview.expectedSeq.uppercased(), "changedCount": preview.changed.count,
            "open": isOpen, "canLand": isOpen && !preview.candidateOid.isEmpty && preview.logEntryOk,
            // What the land is about first; the log entry last.
            "changes": changes.sorted { !$0.path.hasPrefix("meta/log/") && $1.path.hasPrefix("meta/log/") }
                .map { self.view($0, proposer: state?.creator ?? "") },
        ].merging(state?.state == "closed" ? ["reason": state?.reason ?? ""] : [:]) { first, _ in first }
    }

    /// An entry's front matter as table rows (a list as its items joined).
    static func fields(_ entry: Entry?) -> [[String: String]] {
        (entry?.fields ?? []).map { field in
            switch field.value {
            case .scalar(let text): ["key": field.key, "value": text]
            case .list(let items): ["key": field.key, "value": items.joined(separator: ", ")]
            }
        }
    }

    /// One changed entry: front matter as a table, the body through Markdown, the diff, and
    /// who first wrote it against who proposes it.
    func view(_ change: EntryChange, proposer: String) -> [String: Any] {
        let entry = change.entry
        var row: [String: Any] = [
            "path": change.path, "kind": change.kind.rawValue,
            "fields": Self.fields(entry),
            "hasFields": !(entry?.fields.isEmpty ?? true),
            "html": Markdown.html(entry?.body ?? (change.kind == .removed ? change.before ?? "" : change.text)),
            "hasDiff": !change.lines.isEmpty,
            "lines": change.lines.map { line -> [String: String] in
                let sign =
                    switch line.kind {
                    case .added: "+"
                    case .removed: "-"
                    case .same: " "
                    case .gap: "…"
                    }
                return ["kind": line.kind.rawValue, "sign": sign, "text": line.text]
            },
        ]
        if let before = change.beforePath { row["beforePath"] = before }
        if let origin = entry?.scalar("origin_author"), !origin.isEmpty {
            let differs = !proposer.isEmpty && origin.lowercased() != proposer.lowercased()
            row["attribution"] =
                differs ? "first written by \(origin), proposed by \(proposer)" : "written by \(origin)"
            row["attributionTone"] = differs ? "warn" : ""
        } else if let author = entry?.scalar("author") ?? entry?.scalar("instance_id"), !author.isEmpty {
            row["attribution"] = "written by \(author)"
        }
        return row
    }
}
