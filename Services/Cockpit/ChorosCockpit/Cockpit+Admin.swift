internal import ChorosAuth
internal import ChorosCore
internal import ChorosPractitioner
internal import ChorosProto
internal import Foundation
internal import Hummingbird
internal import NIOConcurrencyHelpers

/// Connectors (the HTTP door's approvals and grants), instances (enroll, revoke) and the audit
/// log (paged, verified, anchored).
extension Cockpit {
    func addConnectors(to router: RouterGroup<CockpitContext>) {
        router.get("connectors") { _, context in
            await self.attempt(section: "connectors") {
                let auth = try self.practitioner.authDatabase()
                let clients = Dictionary(
                    try auth.clients().map { ($0.id, $0.name) },
                    uniquingKeysWith: { first, _ in first }
                )
                let pending = try auth.pendingTransactions()
                let grants = try auth.grants().reversed()
                let csrf = self.csrf(context)
                return self.page.render(
                    "connectors",
                    [
                        "enabled": self.practitioner.configuration.httpEnabled
                            && !self.practitioner.configuration.httpPublicURL.isEmpty,
                        "hasPending": !pending.isEmpty, "hasGrants": !grants.isEmpty,
                        "pending": pending.map { transaction -> [String: Any] in
                            [
                                "transaction": transaction.id,
                                "client": clients[transaction.clientID] ?? "unknown client",
                                "redirect": transaction.redirectURI, "instance": transaction.instance, "csrf": csrf,
                            ]
                        },
                        "grants": grants.map { grant -> [String: Any] in
                            [
                                "id": grant.id, "client": clients[grant.clientID] ?? grant.clientID,
                                "instance": grant.instance, "channel": grant.channel,
                                "since": Page.time(grant.createdAt),
                                "revoked": grant.revokedAt != nil, "csrf": csrf,
                            ]
                        },
                    ],
                    title: "Connectors",
                    section: "connectors"
                )
            }
        }
        router.post("connectors/approve") { _, context in
            await self.attempt(section: "connectors", back: "/connectors") {
                let grant = try await self.practitioner.approveConnector(
                    transaction: context.form["transaction"] ?? "",
                    as: context.form["instance"]
                )
                return self.page.notice(
                    "Approved",
                    "The connector acts as \(grant.instance) (grant \(grant.id)); its waiting page continues by itself.",
                    tone: "good",
                    back: "/connectors",
                    section: "connectors"
                )
            }
        }
        router.post("connectors/revoke") { _, context in
            await self.attempt(section: "connectors", back: "/connectors") {
                _ = try await self.practitioner.revokeConnector(context.form["id"] ?? "")
                return Page.redirect("/connectors")
            }
        }
        router.get("instances") { _, context in
            await self.attempt(section: "instances") {
                let approvers = Set(self.practitioner.configuration.approvers.map { $0.lowercased() })
                let csrf = self.csrf(context)
                return self.page.render(
                    "instances",
                    [
                        "csrf": csrf,
                        "instances": try await self.practitioner.registry().map { record -> [String: Any] in
                            [
                                "name": record.name.rawValue, "author": record.author.rawValue,
                                "revoked": record.revokedAt != nil, "approver": approvers.contains(record.name.folded),
                                "csrf": csrf,
                            ]
                        },
                    ],
                    title: "Instances",
                    section: "instances"
                )
            }
        }
        router.post("instances/enroll") { _, context in
            await self.attempt(section: "instances", back: "/instances") {
                let (record, keyFile) = try await self.practitioner.enroll(context.form["name"] ?? "")
                let key = (try? String(contentsOfFile: keyFile, encoding: .utf8)) ?? ""
                return self.page.render(
                    "enrolled",
                    ["name": record.name, "keyFile": keyFile, "key": key],
                    title: "Enrolled \(record.name)",
                    section: "instances"
                )
            }
        }
        router.post("instances/revoke") { _, context in
            await self.attempt(section: "instances", back: "/instances") {
                _ = try await self.practitioner.revoke(instance: context.form["name"] ?? "")
                return Page.redirect("/instances")
            }
        }
    }

    func addAudit(to router: RouterGroup<CockpitContext>) {
        router.get("audit") { request, context in
            await self.attempt(section: "audit") {
                let before = UInt64(self.query(request)["before"] ?? "") ?? 0
                return self.page.render(
                    "audit",
                    try await self.auditPage(before: before, context: context),
                    title: "Audit",
                    section: "audit"
                )
            }
        }
        router.post("audit/verify") { _, context in
            await self.attempt(section: "audit") {
                let result = try await self.practitioner.verifyAudit()
                let text = self.record(result)
                var values = try await self.auditPage(before: 0, context: context)
                values["result"] = text
                values["tone"] = result.ok ? "good" : "bad"
                return self.page.render("audit", values, title: "Audit", section: "audit")
            }
        }
        router.post("audit/anchor") { _, context in
            await self.attempt(section: "audit") {
                let anchor = try await self.practitioner.anchorAudit()
                var values = try await self.auditPage(before: 0, context: context)
                values["result"] = "Anchored at seq \(anchor.seq) (commit \(anchor.commitOid.prefix(12)))."
                values["tone"] = "good"
                return self.page.render("audit", values, title: "Audit", section: "audit")
            }
        }
    }

    func auditPage(before: UInt64, context: CockpitContext) async throws -> [String: Any] {
        let page = try await self.practitioner.auditPage(before: before)
        var values: [String: Any] = [
            "csrf": self.csrf(context),
            "events": page.events.map { event -> [String: Any] in
                [
                    "seq": event.seq, "time": Page.time(event.ts), "actor": event.actor, "op": event.op,
                    "target": [event.targetRef, event.targetPath].filter { !$0.isEmpty }.joined(separator: " "),
                    "outcome": event.outcome,
                ]
            },
        ]
        if page.hasMore_p, let last = page.events.last { values["older"] = last.seq }
        return values
    }

    /// Keeps a verification's outcome for the overview, and says it in a sentence.
    @discardableResult
    func record(_ result: Choros_V1_VerifyResponse) -> String {
        let anchor =
            switch result.anchor {
            case .matches: "anchor matches at \(result.anchoredSeq)"
            case .mismatch: "ANCHOR MISMATCH"
            default: "no anchor yet"
            }
        let text =
            result.ok
            ? "verified: \(result.count) events, \(anchor), at \(Page.time(Int64(Date().timeIntervalSince1970 * 1000)))"
            : "VERIFY FAILED at seq \(result.firstBadSeq): \(result.reason)"
        self.verified.withLockedValue { $0 = text }
        return text
    }
}
