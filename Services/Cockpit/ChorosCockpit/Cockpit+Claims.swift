internal import ChorosClients
internal import ChorosCore
internal import ChorosPractitioner
internal import ChorosProto
internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import NIOCore

/// Claims: look one up, see why it is believed, and refute or correct it after seeing exactly
/// what the cascade will invalidate (the preview is the cascade's own walk).
extension Cockpit {
    func addClaims(to router: RouterGroup<CockpitContext>) {
        router.get("claims") { request, _ in
            await self.attempt(section: "claims") {
                let query = self.query(request)
                var values: [String: Any] = ["subject": query["subject"] ?? "", "entry": query["entry"] ?? ""]
                if query["subject"] != nil || query["entry"] != nil {
                    let found = try await self.practitioner.claims(
                        subject: query["subject"] ?? "",
                        entry: query["entry"] ?? ""
                    )
                    values["searched"] = true
                    values["hasClaims"] = !found.claims.isEmpty
                    values["claims"] = found.claims.map { node -> [String: Any] in
                        [
                            "op": node.opID, "short": String(node.opID.prefix(16)), "subject": node.subject,
                            "predicate": node.predicate, "value": node.valueJson, "author": node.author,
                            "state": node.state,
                        ]
                    }
                }
                return self.page.render("claims", values, title: "Claims", section: "claims")
            }
        }
        router.get("claims/:op") { _, context in
            let op = context.parameters.get("op") ?? ""
            return await self.attempt(section: "claims", back: "/claims") {
                self.page.render(
                    "claim",
                    try await self.claim(op, csrf: self.csrf(context)),
                    title: "Claim",
                    section: "claims"
                )
            }
        }
        router.get("claims/:op/bundle") { _, context in
            let op = context.parameters.get("op") ?? ""
            return await self.attempt(section: "claims", back: "/claims/\(op)") {
                let explanation = try await self.practitioner.explain(op)
                let bundle = try await ExplanationBundle.build(
                    explanation: explanation,
                    audit: self.practitioner.daemons.audit.wire,
                    store: self.practitioner.daemons.store.wire
                )
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "application/json",
                        .contentDisposition: "attachment; filename=\"explain-\(op.prefix(16)).json\"",
                    ],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: bundle.canonicalBytes))
                )
            }
        }
        router.post("claims/:op/preview") { _, context in
            let op = context.parameters.get("op") ?? ""
            return await self.attempt(section: "claims", back: "/claims/\(op)") {
                let judgement = try Judgement(context.form)
                let pending = try await self.practitioner.cascadePreview(op)
                return self.page.render(
                    "cascade",
                    [
                        "op": op, "short": String(op.prefix(16)), "csrf": self.csrf(context),
                        "verb": judgement.verb, "action": judgement.action, "reason": judgement.reason,
                        "scope": judgement.scope, "value": judgement.valueText, "count": pending.count,
                        "tone": pending.isEmpty ? "" : "warn", "hasInvalidations": !pending.isEmpty,
                        "invalidations": Self.rows(pending),
                    ],
                    title: "\(judgement.verb)?",
                    section: "claims"
                )
            }
        }
        router.post("claims/:op/judge") { _, context in
            let op = context.parameters.get("op") ?? ""
            return await self.attempt(section: "claims", back: "/claims/\(op)") {
                let judgement = try Judgement(context.form)
                let result = try await self.practitioner.judge(
                    op,
                    reason: judgement.reason,
                    scope: judgement.scope,
                    correctedValue: judgement.value
                )
                return self.page.render(
                    "judged",
                    [
                        "verb": judgement.verb, "short": String(op.prefix(16)), "opID": result.opID,
                        "replayed": result.replayed, "count": result.invalidations.count,
                        "hasInvalidations": !result.invalidations.isEmpty,
                        "invalidations": Self.rows(result.invalidations),
                        "messages": result.messages.joined(separator: ", "),
                    ],
                    title: judgement.verb,
                    section: "claims"
                )
            }
        }
    }

    func claim(_ op: String, csrf: String) async throws -> [String: Any] {
        let explanation = try await self.practitioner.explain(op)
        let claim = explanation.claim
        return [
            "op": op, "short": String(op.prefix(16)), "csrf": csrf, "subject": claim.subject,
            "predicate": claim.predicate, "value": claim.valueJson, "author": claim.author, "state": claim.state,
            "active": claim.state == "active", "cause": explanation.cause,
            "causePath": explanation.causePath.map { String($0.prefix(12)) }.joined(separator: " → "),
            "chain": explanation.chain.map { step -> [String: Any] in
                let node = step.node
                let what =
                    node.kind == "entry"
                    ? node.entryPath : node.kind == "evidence" ? node.source : "\(node.subject) \(node.predicate)"
                return [
                    "depth": min(step.depth, 6), "kind": node.kind, "short": String(node.opID.prefix(12)),
                    "what": what, "author": node.author, "state": node.state,
                ]
            },
        ]
    }

    static func rows(_ invalidations: [Choros_V1_ClaimInvalidation]) -> [[String: String]] {
        invalidations.map { invalidation in
            [
                "target": String(invalidation.target.prefix(16)), "author": invalidation.targetAuthor,
                "path": invalidation.path.map { String($0.prefix(10)) }.joined(separator: " → "),
            ]
        }
    }

    /// A refute or a correction, as its form said.
    struct Judgement {
        let action: String
        let reason: String
        let scope: String
        let valueText: String
        let value: JSONValue?

        init(_ form: URLEncodedForm) throws {
            self.action = form["action"] ?? ""
            self.reason = form["reason"] ?? ""
            self.scope = form["scope"] ?? "value"
            self.valueText = form["value"] ?? ""
            guard !self.reason.isEmpty else { throw PractitionerError("a judgement needs a reason") }
            switch self.action {
            case "refute":
                guard ["value", "key"].contains(self.scope) else { throw PractitionerError("scope is value or key") }
                self.value = nil
            case "correct":
                guard let value = try? JSONParser.parse(Array(self.valueText.utf8)), value.objectValue != nil else {
                    throw PractitionerError("the corrected value must be a JSON object (integers, strings, booleans)")
                }
                self.value = value
            default:
                throw PractitionerError("action is refute or correct")
            }
        }

        var verb: String { self.action == "correct" ? "Correct" : "Refute" }
    }
}
