internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

extension Gateway {
    /// How many bytes of bodies one `canon_diff` returns before it truncates.
    static let diffBodyBudget = 256 * 1024

    func canonDiff(_ arguments: Choros_V1_CanonDiffArgs, _ call: WriteCall) async throws -> Choros_V1_CanonDiffResponse
    {
        if let original = try await self.originalEvent(of: call) {
            let detail = try? JSONParser.parse(Array(original.detail))
            return try await self.diff(
                from: detail?["from"]?.stringValue ?? "",
                to: original.resultOid,
                includeBodies: arguments.includeBodies
            )
        }
        let canon = try await self.canon()
        guard let tip = canon.tip else {
            throw Refusal(
                .canonDiffCanon,
                .failedPrecondition,
                "canon does not exist yet (choros-admin init)"
            )
        }
        let from = try await self.cursor(of: call.caller.name)?.oid ?? ""
        let response = try await self.diff(from: from, to: tip, includeBodies: arguments.includeBodies)
        let event = try await self.daemons.audit.append(
            self.auditEvent(
                call,
                ref: self.canonRef,
                path: "",
                resultOID: tip,
                detail: ["from": .string(from), "to": .string(tip), "seq": .string(CanonView.hex(canon.seq))]
            )
        )
        self.cursors.record(event, of: call.caller.name)
        return response
    }

    /// The event a retried non-git write already produced: the same signed op, or the same
    /// request key from the same author.
    func originalEvent(of call: WriteCall) async throws -> Choros_V1_AuditEvent? {
        let type = call.operation.type.rawValue
        if call.alreadyExecuted,
            let event = try await self.daemons.audit.events(opID: call.opID).first(where: { $0.op == type })
        {
            return event
        }
        guard !call.key.isEmpty else { return nil }
        let events = try await self.daemons.audit.call(
            AuditRPC.find,
            .with {
                $0.requestKey = call.key
                $0.actor = call.caller.name
            }
        ).events
        return events.first { $0.op == type && $0.outcome == "ok" }
    }

    private func diff(from: String, to: String, includeBodies: Bool) async throws -> Choros_V1_CanonDiffResponse {
        var added: [String]
        var modified: [String] = []
        var removed: [String] = []
        if from.isEmpty || from == to {
            added = from.isEmpty ? try await self.daemons.store.paths(to) : []
        } else {
            let changes = try await self.daemons.store.call(
                StoreRPC.changedPaths,
                .with {
                    $0.from = from
                    $0.to = to
                }
            )
            added = changes.added
            modified = changes.modified
            removed = changes.removed
        }
        added = added.filter { $0.hasSuffix(".md") }
        modified = modified.filter { $0.hasSuffix(".md") }
        var response = Choros_V1_CanonDiffResponse()
        response.from = from
        response.to = to
        response.removed = removed
        for path in added { response.added.append(try await self.pointer(to, path)) }
        for path in modified { response.modified.append(try await self.pointer(to, path)) }
        var budget = Self.diffBodyBudget
        for path in (added + modified).sorted() {
            let isLog = path.hasPrefix(LogEntryRule.directory)
            guard isLog || includeBodies else { continue }
            guard let text = try await self.daemons.store.text(to, path) else { continue }
            guard text.utf8.count <= budget else {
                response.truncated += 1
                continue
            }
            budget -= text.utf8.count
            let body = Choros_V1_EntryBody.with {
                $0.path = path
                $0.text = text
            }
            if isLog { response.logEntries.append(body) } else { response.bodies.append(body) }
        }
        return response
    }

    func supReconcile(_ arguments: Choros_V1_SupReconcileArgs, _ call: WriteCall) async throws -> Choros_V1_WriteResult
    {
        let canon = try await self.canon()
        guard let tip = canon.tip else {
            throw Refusal(
                .supReconcileCanon,
                .failedPrecondition,
                "canon does not exist yet (choros-admin init)"
            )
        }
        let cursor = try await self.cursor(of: call.caller.name)
        guard cursor?.oid == tip else {
            throw Refusal(
                .supReconcileCursor,
                .failedPrecondition,
                "your canon cursor \(cursor.map { String($0.oid.prefix(12)) } ?? "(none)") is not canon's tip \(canon.tip12): run canon_diff first"
            )
        }
        let path = Self.reconciliationPath(canon)
        let perspective = call.caller.perspective
        let original = try await self.originalEvent(of: call)
        let isRetry = call.alreadyExecuted || original != nil
        if !isRetry, try await self.daemons.store.exists(perspective, path) {
            let tip = try await self.daemons.store.tip(of: perspective) ?? ""
            return .with {
                $0.oid = tip
                $0.ref = perspective
                $0.path = path
                $0.opID = call.key
                $0.author = call.caller.name
                $0.already = true
            }
        }
        let fields = EntryFields(type: "reconciliation", title: "Reconciled with canon \(canon.tip12)")
        let report = arguments.report
        let plan = PlannedCommit(
            ref: perspective,
            subject: "KIP \(path)",
            primary: { stamps in Self.change(path, try fields.render(body: report, stamps: stamps)) }
        )
        return Self.result(try await self.commit(plan, for: call), path: path, call: call)
    }

    func supState(_ request: Choros_V1_SupStateRequest, _ caller: Caller) async throws -> Choros_V1_SupStateResponse {
        let canon = try await self.canon()
        let entries = try await self.pointers(caller.perspective, under: "state").pointers
        let cursor = try await self.cursor(of: caller.name)
        let current = try await self.isCurrent(caller.name, canon: canon)
        return .with {
            $0.entries = entries
            $0.cursor = cursor?.oid ?? ""
            $0.canonTip = canon.tip ?? ""
            $0.currentWithCanon = current
        }
    }

    func supWho(_ request: Choros_V1_SupWhoRequest, _ caller: Caller) async throws -> Choros_V1_SupWhoResponse {
        let canon = try await self.canon()
        let registry = try await self.registry.current()
        var instances: [Choros_V1_InstanceStatus] = []
        for record in registry.records where record.name.folded != "system" {
            let name = record.name.rawValue
            let cursor = try await self.cursor(of: name)
            let current = try await self.isCurrent(name, canon: canon)
            instances.append(
                .with {
                    $0.name = name
                    $0.author = record.author.rawValue
                    $0.enrolledAt = record.enrolledAt
                    $0.revoked = record.revokedAt != nil
                    $0.cursor = cursor?.oid ?? ""
                    $0.currentWithCanon = current
                }
            )
        }
        return .with { $0.instances = instances }
    }
}
