package import ChorosClients
package import ChorosCore
package import ChorosProto
internal import ChorosWire
internal import Foundation
package import Logging
internal import SwiftProtobuf

/// The TOTP airlock (CANON.md): stage with a first code, land after the review floor with a
/// strictly later second code, revert for free. State is derived from audit events; the
/// clock is injectable so tests can walk through floors, ceilings and windows.
///
/// An actor is reentrant: two calls could both pass the strike and rate checks before either
/// recorded its strike. So every call that spends something (a window, a strike, a rate slot)
/// runs alone, in arrival order, and finds what the previous one recorded (TRUST.md, rule 4).
package actor AirlockGate {
    let daemons: DaemonClients
    let configuration: ChorosConfiguration
    let lander: Lander
    let logger: Logger
    /// Unix milliseconds.
    let clock: @Sendable () -> Int64
    /// Derived from the audit log on first use, so the airlock starts while the audit
    /// daemon is still coming up.
    private var loadedState: StagingState?
    private let relay: RelayProof
    private var isBusy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Wrong codes per instance per minute.
    static let rateLimit = 10
    /// Wrong codes against one staged proposal before it is reverted.
    static let strikes = 5

    package init(
        daemons: DaemonClients,
        configuration: ChorosConfiguration,
        lander: Lander,
        logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.daemons = daemons
        self.configuration = configuration
        self.lander = lander
        self.logger = logger
        self.clock = clock
        self.relay = RelayProof(configuration: configuration)
    }

    /// Runs `body` once every earlier call has finished.
    func serially<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        if self.isBusy {
            await withCheckedContinuation { self.waiting.append($0) }
        } else {
            self.isBusy = true
        }
        defer {
            if self.waiting.isEmpty { self.isBusy = false } else { self.waiting.removeFirst().resume() }
        }
        return try await body()
    }

    /// The enrolled instance whose signed op asks for this call.
    private func relayer(
        _ envelope: Data,
        opID: String,
        type: OperationType,
        field: String,
        value: String
    ) async throws -> String {
        try self.relay.instance(
            envelope: envelope,
            opID: opID,
            type: type,
            field: field,
            value: value,
            registry: try await self.daemons.store.registry.current()
        )
    }

    var state: StagingState {
        get { self.loadedState ?? StagingState() }
        set { self.loadedState = newValue }
    }

    func loadState() async throws {
        guard self.loadedState == nil else { return }
        var events: [Choros_V1_AuditEvent] = []
        for op in [AirlockEvent.stage, AirlockEvent.revert, AirlockEvent.wrongCode, "land_merge"] {
            events += try await self.daemons.audit.allEvents(op: op)
        }
        // Refusals matter only for the last minute's rate: the newest page is enough.
        events += try await self.daemons.audit.call(
            AuditRPC.events,
            .with {
                $0.op = AirlockEvent.refused
                $0.newestFirst = true
                $0.limit = 1000
            }
        ).events
        if self.loadedState == nil { self.loadedState = StagingState(events: events) }
    }

    var floor: Int64 { Int64(self.configuration.airlockFloorSeconds) * 1000 }
    var ceiling: Int64 { Int64(self.configuration.airlockCeilingSeconds) * 1000 }

    // MARK: stage

    package func stage(_ request: Choros_V1_StageRequest) async throws -> Choros_V1_StagedProposal {
        let instance = try await self.relayer(
            request.envelope,
            opID: request.opID,
            type: .airlockStage,
            field: "proposal_id",
            value: request.proposalID
        )
        return try await self.serially { try await self.stage(request, instance: instance) }
    }

    private func stage(_ request: Choros_V1_StageRequest, instance: String) async throws -> Choros_V1_StagedProposal {
        try await self.loadState()
        let now = self.clock()
        try await self.expire(now: now)
        try await self.checkRate(instance, now: now)
        let strikes = self.state.proposalFailures.recent(request.proposalID, now: now)
        if strikes.count >= Self.strikes {
            throw try await self.refuse(
                .rate,
                .resourceExhausted,
                "\(Self.strikes) wrong codes against '\(request.proposalID)' within a minute: "
                    + "wait \(Self.wait(since: strikes.oldest, now: now)) s",
                instance: instance,
                proposal: request.proposalID
            )
        }
        if self.state.staged[request.proposalID] != nil {
            throw try await self.refuse(
                .staged,
                .failedPrecondition,
                "proposal '\(request.proposalID)' is already staged (stage_revert first)",
                instance: instance,
                proposal: request.proposalID
            )
        }
        // Everything that can fail without the code fails first: no window is burned.
        let preview = try await self.lander.preview(request.proposalID)
        guard !preview.candidateOid.isEmpty else {
            throw try await self.refuse(
                .merge,
                .failedPrecondition,
                preview.conflicts.isEmpty
                    ? "landing would remove canon paths: canon is append-only"
                    : "merge conflicts in: \(preview.conflicts.joined(separator: ", "))",
                instance: instance,
                proposal: request.proposalID
            )
        }
        guard preview.logEntryOk else {
            throw try await self.refuse(
                .logEntry,
                .failedPrecondition,
                preview.logProblem,
                instance: instance,
                proposal: request.proposalID
            )
        }
        let window = try await self.acceptCode(
            request.code,
            purpose: "stage",
            instance: instance,
            proposal: request.proposalID,
            now: now
        )
        let staged = Staged(
            proposalID: request.proposalID,
            oid: preview.candidateOid,
            window: window,
            stagedAt: now,
            seq: preview.expectedSeq,
            changed: preview.changed
        )
        var event = self.event(AirlockEvent.stage, instance: instance, proposal: request.proposalID, now: now)
        event.resultOid = staged.oid
        event.opID = request.opID
        event.envelope = request.envelope
        event.detail = Data(
            CanonicalJSON.encode([
                "window": .integer(window), "staged_at": .integer(now), "seq": .string(staged.seq),
                "changed": .array(staged.changed.map { .string($0) }),
            ])
        )
        try await self.spend(
            window,
            purpose: "stage",
            instance: instance,
            proposal: request.proposalID,
            now: now,
            with: [event]
        )
        return self.proto(staged)
    }

    // MARK: land

    package func land(_ request: Choros_V1_AirlockLandRequest) async throws -> Choros_V1_LandResult {
        let instance = try await self.relayer(
            request.envelope,
            opID: request.opID,
            type: .airlockLand,
            field: "staged_oid_prefix",
            value: request.stagedOidPrefix
        )
        return try await self.serially { try await self.land(request, instance: instance) }
    }

    private func land(_ request: Choros_V1_AirlockLandRequest, instance: String) async throws -> Choros_V1_LandResult {
        try await self.loadState()
        let now = self.clock()
        try await self.expire(now: now)
        try await self.checkRate(instance, now: now)
        let prefix = request.stagedOidPrefix
        guard prefix.count >= 8, prefix.count <= 40, prefix.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw try await self.refuse(
                .contentBinding,
                .invalidArgument,
                "staged_oid_prefix must be 8 to 40 lowercase hex digits, got '\(prefix.prefix(48))'",
                instance: instance,
                proposal: ""
            )
        }
        let matches = self.state.matching(prefix: prefix)
        guard let staged = matches.first, matches.count == 1 else {
            throw try await self.refuse(
                .contentBinding,
                matches.isEmpty ? .notFound : .failedPrecondition,
                matches.isEmpty
                    ? "no staged proposal's oid starts with \(prefix): what lands must be exactly what was staged"
                    : "\(prefix) is ambiguous: it matches \(matches.map(\.proposalID).joined(separator: ", "))",
                instance: instance,
                proposal: ""
            )
        }
        guard now >= staged.stagedAt + self.floor else {
            let wait = (staged.stagedAt + self.floor - now + 999) / 1000
            throw try await self.refuse(
                .floor,
                .failedPrecondition,
                "'\(staged.proposalID)' is under review for \(wait) s more (floor \(self.configuration.airlockFloorSeconds) s)",
                instance: instance,
                proposal: staged.proposalID
            )
        }
        let window = try await self.acceptCode(
            request.code,
            purpose: "land",
            instance: instance,
            proposal: staged.proposalID,
            now: now,
            after: staged.window
        )
        try await self.spend(window, purpose: "land", instance: instance, proposal: staged.proposalID, now: now)
        let key = try SigningKey.load(from: self.configuration.keysDirectory + "/practitioner.key")
        let approval = try SignedOperation.make(
            type: .canonLand,
            body: [
                "proposal_id": .string(staged.proposalID), "candidate_oid": .string(staged.oid), "channel": "airlock",
            ],
            // The store checks the approval's freshness against real time, whatever this
            // airlock's (injectable) clock says.
            timestamp: Int64(Date().timeIntervalSince1970 * 1000),
            key: key,
            deployment: try self.configuration.deploymentID()
        )
        let order = try await self.lander.plan(
            proposalID: staged.proposalID,
            candidate: staged.oid,
            channel: "airlock",
            approver: try await self.lander.approverName(key.author),
            approval: approval.proto,
            approvalBytes: Data(approval.canonicalBytes),
            detail: [
                "relayed_by": instance, "relay_op_id": request.opID, "stage_window": String(staged.window),
                "land_window": String(window),
            ]
        )
        let result = try await self.lander.execute(order, approval: approval.proto)
        self.state.staged[staged.proposalID] = nil
        return result
    }

    // MARK: revert

    /// Free: never a code. Reverting what is not staged is not an error.
    package func revert(_ request: Choros_V1_RevertRequest) async throws -> Choros_V1_RevertResponse {
        let instance = try await self.relayer(
            request.envelope,
            opID: request.opID,
            type: .airlockRevert,
            field: "proposal_id",
            value: request.proposalID
        )
        return try await self.serially { try await self.revert(request, instance: instance) }
    }

    private func revert(_ request: Choros_V1_RevertRequest, instance: String) async throws -> Choros_V1_RevertResponse {
        try await self.loadState()
        let now = self.clock()
        try await self.expire(now: now)
        guard self.state.staged[request.proposalID] != nil else {
            return .with { $0.proposalID = request.proposalID }
        }
        try await self.recordRevert(
            request.proposalID,
            instance: instance,
            reason: "requested",
            now: now,
            opID: request.opID,
            envelope: request.envelope
        )
        return .with {
            $0.proposalID = request.proposalID
            $0.reverted = true
        }
    }

    func recordRevert(
        _ proposalID: String,
        instance: String,
        reason: String,
        now: Int64,
        opID: String = "",
        envelope: Data = Data()
    ) async throws {
        var event = self.event(AirlockEvent.revert, instance: instance, proposal: proposalID, now: now)
        event.opID = opID
        event.envelope = envelope
        event.detail = Data(CanonicalJSON.encode(["reason": .string(reason)]))
        try await self.record([event])
    }

    /// Every proposal staged now, after reverting what outlived the ceiling.
    package func stagedProposals() async throws -> [Choros_V1_StagedProposal] {
        try await self.serially {
            try await self.loadState()
            try await self.expire(now: self.clock())
        }
        return self.state.staged.values.sorted { $0.proposalID < $1.proposalID }.map(self.proto)
    }

    /// A read on every propose: answered at once unless something is due to expire.
    package func stagedState(_ proposalID: String) async throws -> Choros_V1_StagedStateResponse {
        let now = self.clock()
        if self.loadedState == nil || !self.state.expired(now: now, ceilingMilliseconds: self.ceiling).isEmpty {
            try await self.serially {
                try await self.loadState()
                try await self.expire(now: self.clock())
            }
        }
        guard let staged = self.state.staged[proposalID] else { return .init() }
        return .with {
            $0.staged = true
            $0.proposal = self.proto(staged)
        }
    }
}
