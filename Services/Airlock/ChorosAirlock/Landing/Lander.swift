package import ChorosClients
package import ChorosCore
package import ChorosProto
internal import ChorosWire
internal import Foundation
package import Logging
internal import SwiftProtobuf

/// The landing routine (CANON.md): validate the log entry, prepare the merge, land by CAS,
/// audit, tag, index the changed paths, anchor. One land at a time; every step idempotent,
/// and a land a crash interrupted is finished on start (`recover`).
package actor Lander {
    let daemons: DaemonClients
    let configuration: ChorosConfiguration
    let orderFile: LandOrder.File
    let logger: Logger

    package init(daemons: DaemonClients, configuration: ChorosConfiguration, logger: Logger) {
        self.daemons = daemons
        self.configuration = configuration
        self.orderFile = LandOrder.File(path: configuration.dataDirectory + "/airlock/landing.json")
        self.logger = logger
    }

    var canonRef: String { self.configuration.canonRef }

    // MARK: preview

    /// Everything CANON.md lists, and the candidate to approve when nothing blocks it.
    package func preview(_ proposalID: String) async throws -> Choros_V1_LandPreview {
        // An unfinished land changes the next seq: finish it before judging this one.
        try await self.recover()
        let ref = "refs/cap/proposals/\(proposalID)"
        guard let proposalTip = try await self.daemons.store.tip(of: ref) else {
            throw Refusal(.proposal, .notFound, "no proposal '\(proposalID)'")
        }
        let merge = try await self.daemons.store.call(StoreRPC.previewMerge, .with { $0.proposalRef = ref })
        let expected = try await self.daemons.store.canonSeq(origin: self.configuration.seqOrigin) + 1
        let changed = merge.added + merge.modified
        let daemons = self.daemons
        let problem = try await LogEntryRule.check(changedPaths: changed, expectedSeq: expected) {
            try await daemons.store.text(proposalTip, $0)
        }
        var preview = Choros_V1_LandPreview()
        preview.proposalID = proposalID
        preview.proposalOid = proposalTip
        preview.canonOid = merge.canonOid
        preview.conflicts = merge.conflicts
        preview.changed = (changed + merge.removed).sorted()
        preview.added = merge.added
        preview.removed = merge.removed
        preview.modified = merge.modified
        preview.wouldRemoveCanon = merge.wouldRemoveCanon
        preview.authors = merge.authors
        preview.logEntries = LogEntryRule.logEntries(in: changed)
        preview.logEntryOk = problem == nil
        preview.expectedSeq = String(expected, radix: 16)
        preview.logProblem = problem?.description ?? ""
        if merge.conflicts.isEmpty, !merge.wouldRemoveCanon {
            preview.candidateOid = try await self.daemons.store.call(
                StoreRPC.prepareMerge,
                .with { $0.proposalRef = ref }
            )
            .candidateOid
        }
        return preview
    }

    // MARK: land

    /// Steps 1–2 against the approved candidate: it merges this proposal into canon's current
    /// tip, removes nothing, and carries exactly the expected log entry.
    func plan(
        proposalID: String,
        candidate: String,
        channel: String,
        approver: String,
        approval: Choros_V1_SignedOp,
        approvalBytes: Data,
        detail: [String: String] = [:]
    ) async throws -> LandOrder {
        try await self.recover()
        let ref = "refs/cap/proposals/\(proposalID)"
        guard let proposalTip = try await self.daemons.store.tip(of: ref) else {
            throw Refusal(.proposal, .notFound, "no proposal '\(proposalID)'")
        }
        guard let canonTip = try await self.daemons.store.tip(of: self.canonRef) else {
            throw Refusal(.canon, .failedPrecondition, "canon does not exist yet (choros-admin init)")
        }
        guard try await self.isAncestor(proposalTip, of: candidate) else {
            throw Refusal(
                .approval,
                .failedPrecondition,
                "candidate \(candidate.prefix(12)) does not merge proposal '\(proposalID)' at \(proposalTip.prefix(12)): preview again"
            )
        }
        guard try await self.isAncestor(canonTip, of: candidate) else {
            throw Refusal(
                .merge,
                .aborted,
                "canon moved to \(canonTip.prefix(12)) since candidate \(candidate.prefix(12)) was prepared: preview again"
            )
        }
        let changes = try await self.daemons.store.call(
            StoreRPC.changedPaths,
            .with {
                $0.from = canonTip
                $0.to = candidate
            }
        )
        guard changes.removed.isEmpty else {
            throw Refusal(
                .merge,
                .failedPrecondition,
                "landing would remove canon paths (\(changes.removed.joined(separator: ", "))): canon is append-only"
            )
        }
        let seq = try await self.daemons.store.canonSeq(origin: self.configuration.seqOrigin) + 1
        if let problem = try await LogEntryRule.check(
            changedPaths: changes.added + changes.modified,
            expectedSeq: seq,
            read: { [daemons = self.daemons] in try await daemons.store.text(candidate, $0) }
        ) {
            throw Refusal(.logEntry, .failedPrecondition, problem.description)
        }
        return LandOrder(
            proposalID: proposalID,
            candidate: candidate,
            previousCanon: canonTip,
            seq: seq,
            channel: channel,
            approver: approver,
            approval: approvalBytes,
            approvalOpID: approval.opID,
            detail: detail,
            changedPaths: changes.added + changes.modified,
            proposer: try await self.daemons.store.call(StoreRPC.branchCreator, .with { $0.ref = ref }).author
        )
    }

    /// Steps 3–7: the order is written before canon moves, so a crash is finished on start.
    func execute(_ order: LandOrder, approval: Choros_V1_SignedOp) async throws -> Choros_V1_LandResult {
        // A land a crash interrupted is finished before another one starts.
        try await self.recover()
        try self.orderFile.write(order)
        do {
            _ = try await self.daemons.store.call(
                StoreRPC.landMerge,
                .with {
                    $0.candidateOid = order.candidate
                    $0.approval = approval
                }
            )
        } catch let error as RPCError where Self.isDefinitive(error) {
            try? self.orderFile.remove()
            throw error
        } catch {
            // The store may still move canon after we stopped waiting: whether it did is read
            // from canon by the next recovery, which finishes or drops this land.
            throw Refusal(
                .land,
                .unavailable,
                "the store did not confirm the land of '\(order.proposalID)' in time (\(error)); "
                    + "it is finished or dropped before the next land and on restart"
            )
        }
        LandingFault.trigger(.afterLand)
        return try await self.finish(order)
    }

    /// Steps 4–7, each done only if not already done.
    private func finish(_ order: LandOrder) async throws -> Choros_V1_LandResult {
        let event = try await self.landEvent(order)
        LandingFault.trigger(.afterAudit)
        let tag = "state/\(String(order.seq, radix: 16))"
        _ = try await self.daemons.store.call(
            StoreRPC.createTag,
            .with {
                $0.name = tag
                $0.oid = order.candidate
            }
        )
        LandingFault.trigger(.afterTag)
        let indexed = try await self.indexChangedPaths(order)
        LandingFault.trigger(.afterIndex)
        let anchored = try await self.anchor(covering: event.seq)
        try self.orderFile.remove()
        self.logger.info(
            "landed",
            metadata: ["proposal": "\(order.proposalID)", "seq": "\(tag)", "channel": "\(order.channel)"]
        )
        var result = Choros_V1_LandResult()
        result.proposalID = order.proposalID
        result.canonOid = order.candidate
        result.previousCanonOid = order.previousCanon
        result.seq = String(order.seq, radix: 16)
        result.tag = tag
        result.auditSeq = event.seq
        result.anchoredSeq = anchored
        result.indexedPaths = UInt32(indexed)
        result.channel = order.channel
        result.approver = order.approver
        return result
    }

    private func landEvent(_ order: LandOrder) async throws -> Choros_V1_AuditEvent {
        let existing = try await self.daemons.audit.call(AuditRPC.find, .with { $0.opID = order.approvalOpID }).events
        if let event = existing.first(where: { $0.op == "land_merge" }) { return event }
        var detail: [String: JSONValue] = [
            "approver": .string(order.approver), "channel": .string(order.channel),
            "proposal_id": .string(order.proposalID), "seq": .string(String(order.seq, radix: 16)),
            "candidate_oid": .string(order.candidate), "previous_canon_oid": .string(order.previousCanon),
        ]
        for (key, value) in order.detail { detail[key] = .string(value) }
        var input = Choros_V1_AuditEventInput()
        input.actor = order.approver
        input.op = "land_merge"
        input.targetRef = self.canonRef
        input.targetPath = order.proposalID
        input.opID = order.approvalOpID
        input.resultOid = order.candidate
        input.outcome = "ok"
        input.detail = Data(CanonicalJSON.encode(.object(detail)))
        input.envelope = order.approval
        guard let event = try await self.daemons.audit.append([input]).first else {
            throw Refusal(.audit, .internal, "the audit log returned no event for the land")
        }
        return event
    }

    /// Step 6: the index re-reads only what the land changed (a land costs the same with 100
    /// or 100,000 canon entries).
    private func indexChangedPaths(_ order: LandOrder) async throws -> Int {
        let paths: [String]
        if let carried = order.changedPaths {
            paths = carried
        } else {
            let changes = try await self.daemons.store.call(
                StoreRPC.changedPaths,
                .with {
                    $0.from = order.previousCanon
                    $0.to = order.candidate
                }
            )
            paths = changes.added + changes.modified + changes.removed
        }
        guard !paths.isEmpty else { return 0 }
        _ = try await self.daemons.index.call(
            IndexRPC.upsert,
            .with {
                $0.targets = paths.map { path in
                    .with {
                        $0.ref = self.canonRef
                        $0.path = path
                        $0.author = order.proposer ?? ""
                    }
                }
                $0.advance = .with {
                    $0.ref = self.canonRef
                    $0.fromOid = order.previousCanon
                    $0.toOid = order.candidate
                }
            },
            options: CallOptions(timeout: .seconds(60))
        )
        return paths.count
    }

    /// Step 7, skipped when an anchor already covers the land's event.
    private func anchor(covering seq: UInt64) async throws -> UInt64 {
        if let text = try await self.daemons.store.text("refs/cap/audit-anchor", "audit-head.json"),
            let anchored = (try? JSONParser.parse(Array(text.utf8)))?["seq"]?.integerValue, anchored >= seq
        {
            return UInt64(anchored)
        }
        return try await self.daemons.audit.call(AuditRPC.anchor, .init()).seq
    }

    private func isAncestor(_ ancestor: String, of descendant: String) async throws -> Bool {
        try await self.daemons.store.call(
            StoreRPC.isAncestor,
            .with {
                $0.ancestor = ancestor
                $0.descendant = descendant
            }
        ).isAncestor
    }

    /// A refusal the store decided (nothing moved); anything else leaves the outcome unknown.
    private static func isDefinitive(_ error: RPCError) -> Bool {
        ![.deadlineExceeded, .unavailable, .cancelled, .unknown, .internal].contains(error.code)
    }

    // MARK: recovery

    /// Finishes a land a crash or a timeout interrupted, found from canon itself (TRUST.md,
    /// rule 5): a canon tip the store recorded as a land (`refs/cap/lands`) with no state tag
    /// is finished, whatever happened to the order file. Only the tip can be unfinished: this
    /// runs before every land and on start, so each land is finished before the next moves canon.
    /// Then an order file whose candidate never reached canon is dropped.
    @discardableResult
    package func recover() async throws -> Choros_V1_LandResult? {
        let file = try self.orderFile.read()
        if let tip = try await self.daemons.store.tip(of: self.canonRef),
            let record = try await self.landRecord(at: tip),
            try await !self.isTagged(tip)
        {
            var order = file?.candidate == tip ? file : nil
            if order == nil { order = try await self.order(from: record, at: tip) }
            guard let order else { return nil }
            self.logger.notice(
                "finishing a land found unfinished on canon",
                metadata: ["proposal": "\(order.proposalID)"]
            )
            return try await self.finish(order)
        }
        guard let order = file else { return nil }
        let tip = try await self.daemons.store.tip(of: self.canonRef) ?? ""
        let reached = tip == order.candidate ? true : try await self.isAncestor(order.candidate, of: tip)
        if reached {
            self.logger.notice("finishing an interrupted land", metadata: ["proposal": "\(order.proposalID)"])
            return try await self.finish(order)
        }
        self.logger.notice("dropping a land that never reached canon", metadata: ["proposal": "\(order.proposalID)"])
        try self.orderFile.remove()
        return nil
    }

    /// The store's record of the land that moved canon to `oid`, if `oid` is one.
    private func landRecord(at oid: String) async throws -> (approval: Data, previous: String)? {
        guard let text = try await self.daemons.store.text("refs/cap/lands", "lands/\(oid).json"),
            let record = try? JSONParser.parse(Array(text.utf8)),
            let approval = record["approval"]?.stringValue, let previous = record["previous_canon_oid"]?.stringValue
        else { return nil }
        return (Data(approval.utf8), previous)
    }

    private func isTagged(_ oid: String) async throws -> Bool {
        try await self.daemons.store.call(StoreRPC.listRefs, .with { $0.prefix = "refs/tags/state/" }).refs
            .contains { $0.oid == oid }
    }

    /// The order of a land rebuilt from its record: the approval says what, the registry who.
    private func order(from record: (approval: Data, previous: String), at candidate: String) async throws -> LandOrder
    {
        let approval = try OperationVerifier.verifyIntegrity(json: Array(record.approval))
        let approver =
            try await self.daemons.store.registry.current().record(for: approval.author)?.name.rawValue ?? "unknown"
        return LandOrder(
            proposalID: approval.body["proposal_id"]?.stringValue ?? "",
            candidate: candidate,
            previousCanon: record.previous,
            seq: try await self.daemons.store.canonSeq(origin: self.configuration.seqOrigin) + 1,
            channel: approval.body["channel"]?.stringValue ?? "console",
            approver: approver,
            approval: record.approval,
            approvalOpID: approval.id.rawValue,
            detail: ["recovered_from": "canon"]
        )
    }
}
