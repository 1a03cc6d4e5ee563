internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

extension Gateway {
    static let closeSubjectPrefix = "close: "

    func propose(_ arguments: Choros_V1_ProposeArgs, _ call: WriteCall) async throws -> Choros_V1_WriteResult {
        let path = "\(arguments.domain)/\(arguments.slug).md"
        if arguments.domain == "meta/log" {
            guard LogEntryRule.isSeqName(arguments.slug) else {
                throw Refusal(
                    .proposeLogEntry,
                    .invalidArgument,
                    "log entry slug '\(arguments.slug)' must be lowercase hex (the next seq)"
                )
            }
            if !arguments.seq.isEmpty, arguments.seq != arguments.slug {
                throw Refusal(
                    .proposeLogEntry,
                    .invalidArgument,
                    "log entry seq '\(arguments.seq)' differs from its slug '\(arguments.slug)'"
                )
            }
        } else if arguments.domain.hasPrefix("meta/log/") {
            throw Refusal(
                .proposeLogEntry,
                .invalidArgument,
                "log entries live directly in meta/log, not '\(arguments.domain)'"
            )
        }
        let ref = Self.proposal(arguments.proposalID)
        let canon = try await self.canon()
        guard let canonTip = canon.tip else {
            throw Refusal(.proposeCanon, .failedPrecondition, "canon does not exist yet (choros-admin init)")
        }
        let fields = EntryFields(arguments)
        let body = arguments.body
        let caller = call.caller
        let plan = PlannedCommit(
            ref: ref,
            subject: "KIP \(path)",
            createAt: canonTip,
            primary: { stamps in Self.change(path, try fields.render(body: body, stamps: stamps)) },
            prepare: { tip, _ in
                try await self.proposalGuards(arguments.proposalID, tip: tip, caller: caller)
                return []
            },
            indexed: false
        )
        var result = Self.result(try await self.commit(plan, for: call), path: path, call: call)
        result.proposalID = arguments.proposalID
        return result
    }

    /// What every write to a proposal checks: not closed, not frozen, caller current.
    private func proposalGuards(_ id: String, tip: String?, caller: Caller) async throws {
        if let tip, try await self.isClosed(tip: tip) {
            throw Refusal(.proposeClosed, .failedPrecondition, "proposal '\(id)' is closed")
        }
        if tip != nil, try await self.isStaged(id) {
            throw Refusal(
                .proposeFrozen,
                .failedPrecondition,
                "proposal '\(id)' is staged in the airlock: frozen for review (stage_revert to change it)"
            )
        }
        let canon = try await self.canon()
        guard try await self.isCurrent(caller.name, canon: canon) else {
            throw Refusal(
                .proposeReconciled,
                .failedPrecondition,
                "reconcile with current canon \(canon.tip12) first (canon_diff, then sup_reconcile)"
            )
        }
    }

    private func isClosed(tip: String) async throws -> Bool {
        try await self.daemons.store.history(tip, limit: 1).first?.subject.hasPrefix(Self.closeSubjectPrefix) ?? false
    }

    func proposeRetract(
        _ arguments: Choros_V1_ProposeRetractArgs,
        _ call: WriteCall
    ) async throws
        -> Choros_V1_WriteResult
    {
        let path = try Self.entryPath(arguments.path)
        let ref = Self.proposal(arguments.proposalID)
        guard try await self.daemons.store.tip(of: ref) != nil else {
            throw Refusal(.proposeRetractProposal, .notFound, "no proposal '\(arguments.proposalID)'")
        }
        try await self.requireCreator(of: ref, id: arguments.proposalID, caller: call.caller, allowApprover: false)
        let canonVersion = try await self.daemons.store.blob(self.canonRef, path)
        let caller = call.caller
        let plan = PlannedCommit(
            ref: ref,
            subject: "retract \(path)",
            primary: { _ in canonVersion.map { Self.change(path, $0.content) } ?? Self.deletion(path) },
            prepare: { tip, _ in
                guard let tip, try await self.daemons.store.exists(tip, path) else {
                    throw Refusal(
                        .proposeRetractPath,
                        .notFound,
                        "\(path) is not in proposal '\(arguments.proposalID)'"
                    )
                }
                try await self.proposalGuards(arguments.proposalID, tip: tip, caller: caller)
                return []
            },
            indexed: false
        )
        var result = Self.result(try await self.commit(plan, for: call), path: path, call: call)
        result.proposalID = arguments.proposalID
        return result
    }

    func proposeClose(_ arguments: Choros_V1_ProposeCloseArgs, _ call: WriteCall) async throws -> Choros_V1_WriteResult
    {
        let ref = Self.proposal(arguments.proposalID)
        guard let tip = try await self.daemons.store.tip(of: ref) else {
            throw Refusal(.proposeCloseProposal, .notFound, "no proposal '\(arguments.proposalID)'")
        }
        try await self.requireCreator(of: ref, id: arguments.proposalID, caller: call.caller, allowApprover: true)
        if try await self.isClosed(tip: tip), try await self.findReplay(call, ref: ref) == nil {
            return .with {
                $0.oid = tip
                $0.ref = ref
                $0.opID = call.key
                $0.author = call.caller.name
                $0.already = true
                $0.proposalID = arguments.proposalID
            }
        }
        let plan = PlannedCommit(
            ref: ref,
            subject: Self.closeSubjectPrefix + arguments.reason.replacingOccurrences(of: "\n", with: " "),
            primary: { _ in nil },
            indexed: false
        )
        var result = Self.result(try await self.commit(plan, for: call), path: "", call: call)
        result.proposalID = arguments.proposalID
        return result
    }

    private func findReplay(_ call: WriteCall, ref: String) async throws -> Choros_V1_FindOpResponse? {
        guard !call.key.isEmpty else { return nil }
        do {
            return try await self.daemons.store.call(
                StoreRPC.findOp,
                .with {
                    $0.ref = ref
                    $0.requestKey = call.key
                }
            )
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }

    private func requireCreator(of ref: String, id: String, caller: Caller, allowApprover: Bool) async throws {
        let creator = try await self.daemons.store.call(StoreRPC.branchCreator, .with { $0.ref = ref }).author
        let isApprover = self.configuration.approvers.contains { $0.lowercased() == caller.record.name.folded }
        guard creator.lowercased() == caller.record.name.folded || (allowApprover && isApprover) else {
            throw Refusal(
                .proposalCreator,
                .permissionDenied,
                "proposal '\(id)' was created by '\(creator)'; '\(caller.name)' may not change it"
            )
        }
    }

    // MARK: reads

    func proposalStatus(
        _ request: Choros_V1_ProposalStatusRequest,
        _ caller: Caller
    ) async throws
        -> Choros_V1_ProposalState
    {
        guard !request.proposalID.isEmpty else { throw Refusal.input("'proposal_id' is required") }
        let ref = Self.proposal(request.proposalID)
        guard let tip = try await self.daemons.store.tip(of: ref) else {
            throw Refusal(.proposalStatusProposal, .notFound, "no proposal '\(request.proposalID)'")
        }
        return try await self.state(of: request.proposalID, tip: tip)
    }

    private func state(of id: String, tip: String) async throws -> Choros_V1_ProposalState {
        let ref = Self.proposal(id)
        async let last = self.daemons.store.history(tip, limit: 1)
        async let creator = self.daemons.store.call(StoreRPC.branchCreator, .with { $0.ref = ref })
        async let landed = self.daemons.store.call(
            StoreRPC.isAncestor,
            .with {
                $0.ancestor = tip
                $0.descendant = self.canonRef
            }
        )
        let subject = try await last.first?.subject ?? ""
        let isLanded = (try? await landed.isAncestor) ?? false
        let creatorName = try await creator.author
        return .with {
            $0.proposalID = id
            $0.tip = tip
            $0.creator = creatorName
            if subject.hasPrefix(Self.closeSubjectPrefix) {
                $0.state = "closed"
                $0.reason = String(subject.dropFirst(Self.closeSubjectPrefix.count))
            } else {
                $0.state = isLanded ? "landed" : "open"
            }
        }
    }

    func listProposals(
        _ request: Choros_V1_ListProposalsRequest,
        _ caller: Caller
    ) async throws
        -> Choros_V1_ListProposalsResponse
    {
        let prefix = "refs/cap/proposals/"
        var proposals: [Choros_V1_ProposalState] = []
        for ref in try await self.daemons.store.refs(under: prefix) {
            proposals.append(try await self.state(of: String(ref.name.dropFirst(prefix.count)), tip: ref.oid))
        }
        return .with { $0.proposals = proposals }
    }

    func conflictPreview(
        _ request: Choros_V1_ConflictPreviewRequest,
        _ caller: Caller
    ) async throws
        -> Choros_V1_ConflictPreviewResponse
    {
        let ref = Self.proposal(request.proposalID)
        guard let tip = try await self.daemons.store.tip(of: ref) else {
            throw Refusal(.conflictPreviewProposal, .notFound, "no proposal '\(request.proposalID)'")
        }
        let preview = try await self.daemons.store.call(StoreRPC.previewMerge, .with { $0.proposalRef = ref })
        let canon = try await self.canon()
        let changed = (preview.added + preview.modified + preview.removed).sorted()
        let problem = try await LogEntryRule.check(
            changedPaths: preview.added + preview.modified,
            expectedSeq: canon.nextSeq
        ) {
            try await self.daemons.store.text(tip, $0)
        }
        return .with {
            $0.proposalID = request.proposalID
            $0.conflicts = preview.conflicts
            $0.changed = changed
            $0.added = preview.added
            $0.removed = preview.removed
            $0.modified = preview.modified
            $0.wouldRemoveCanon = preview.wouldRemoveCanon
            $0.authors = preview.authors
            $0.logEntries = LogEntryRule.logEntries(in: preview.added + preview.modified)
            $0.logEntryOk = problem == nil
            $0.expectedSeq = CanonView.hex(canon.nextSeq)
            $0.logProblem = problem?.description ?? ""
        }
    }
}
