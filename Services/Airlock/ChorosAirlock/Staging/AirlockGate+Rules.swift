internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// The airlock's rules (codes, strikes, rates, expiry) and the audit events it records them by.
extension AirlockGate {
    // MARK: rules

    /// The code's window, consumed once per purpose; wrong codes are audited and counted.
    func acceptCode(
        _ code: String,
        purpose: String,
        instance: String,
        proposal: String,
        now: Int64,
        after earlier: Int64? = nil
    ) async throws -> Int64 {
        let secret: TOTPSecret
        do { secret = try TOTPSecret.load(from: self.configuration.airlockSecretPath) } catch {
            throw Refusal(
                .airlock,
                .failedPrecondition,
                "the airlock is not provisioned (choros-admin totp-provision): \(error)"
            )
        }
        let totp = TOTP(secret: secret.bytes)
        guard let window = totp.matchingWindow(for: code, around: TOTP.window(at: now / 1000)) else {
            throw try await self.wrongCode(
                "invalid",
                "the code does not match the current window ±1",
                instance,
                proposal,
                now
            )
        }
        if let earlier, window <= earlier {
            throw try await self.wrongCode(
                "not_strictly_later",
                "the landing code's window \(window) is not later than the staging window \(earlier)",
                instance,
                proposal,
                now
            )
        }
        // A window approves a connector once and nothing else: it is shared between a
        // connector's approval and the airlock's own purposes (HTTP.md).
        let sharing =
            purpose == ConnectorEvent.purpose
            ? ["stage", "land", ConnectorEvent.purpose] : [purpose, ConnectorEvent.purpose]
        for actor in sharing {
            let used = try await self.daemons.audit.call(
                AuditRPC.events,
                .with {
                    $0.op = AirlockEvent.window
                    $0.actor = actor
                    $0.targetPath = String(window)
                    $0.limit = 1
                }
            )
            if let use = used.events.first {
                throw try await self.wrongCode(
                    "replay",
                    "window \(window) was already used to \(use.actor == ConnectorEvent.purpose ? "approve a connector" : use.actor)",
                    instance,
                    proposal,
                    now
                )
            }
        }
        return window
    }

    func wrongCode(
        _ reason: String,
        _ message: String,
        _ instance: String,
        _ proposal: String,
        _ now: Int64
    ) async throws -> Refusal {
        var event = self.event(AirlockEvent.wrongCode, instance: instance, proposal: proposal, now: now)
        event.outcome = "denied"
        event.detail = Data(CanonicalJSON.encode(["reason": .string(reason)]))
        try await self.record([event])
        if let staged = self.state.staged[proposal], staged.wrongCodes >= Self.strikes {
            try await self.recordRevert(proposal, instance: instance, reason: AirlockEvent.bruteForce, now: now)
            return Refusal(
                .code,
                .permissionDenied,
                "\(message); \(Self.strikes) wrong codes: '\(proposal)' was reverted"
            )
        }
        return Refusal(.code, .permissionDenied, "\(message) (\(reason))")
    }

    /// In memory, from the audited failures: no audit round trip, and no gap between two
    /// calls in which a failure is not yet counted.
    func checkRate(_ instance: String, now: Int64) async throws {
        if let until = self.state.penalties[instance], now < until {
            throw try await self.refuse(
                .rate,
                .resourceExhausted,
                "'\(instance)' forced a brute-force revert: refused for \((until - now + 999) / 1000) s more",
                instance: instance,
                proposal: ""
            )
        }
        let failures = self.state.instanceFailures.recent(instance, now: now)
        guard failures.count >= Self.rateLimit else { return }
        throw try await self.refuse(
            .rate,
            .resourceExhausted,
            "\(Self.rateLimit) failed attempts from '\(instance)' within a minute: "
                + "wait \(Self.wait(since: failures.oldest, now: now)) s",
            instance: instance,
            proposal: ""
        )
    }

    static func wait(since oldest: Int64?, now: Int64) -> Int64 {
        guard let oldest else { return 0 }
        return max(1, (oldest + StagingState.rateWindowMilliseconds - now + 999) / 1000)
    }

    /// Staged proposals past the ceiling are reverted when observed (reason `ttl`).
    func expire(now: Int64) async throws {
        for staged in self.state.expired(now: now, ceilingMilliseconds: self.ceiling) {
            try await self.recordRevert(staged.proposalID, instance: AirlockEvent.actor, reason: "ttl", now: now)
        }
    }

    func refuse(
        _ gate: Refusal.Gate,
        _ code: Choros_V1_Code,
        _ reason: String,
        instance: String,
        proposal: String
    ) async throws -> Refusal {
        var event = self.event(AirlockEvent.refused, instance: instance, proposal: proposal, now: self.clock())
        event.outcome = "denied"
        event.detail = Data(CanonicalJSON.encode(["gate": .string(gate.name), "reason": .string(reason)]))
        try await self.record([event])
        return Refusal(gate, code, reason)
    }

    // MARK: events

    func event(_ op: String, instance: String, proposal: String, now: Int64) -> Choros_V1_AuditEventInput {
        var event = Choros_V1_AuditEventInput()
        event.actor = instance.isEmpty ? AirlockEvent.actor : instance
        event.op = op
        event.targetPath = proposal
        event.outcome = "ok"
        event.ts = now
        return event
    }

    func windowEvent(
        _ window: Int64,
        purpose: String,
        instance: String,
        now: Int64
    ) -> Choros_V1_AuditEventInput {
        var event = Choros_V1_AuditEventInput()
        event.actor = purpose
        event.op = AirlockEvent.window
        event.targetPath = String(window)
        event.outcome = "ok"
        event.ts = now
        event.detail = Data(CanonicalJSON.encode(["relayed_by": .string(instance)]))
        return event
    }

    /// Records the window as used, with `events`, in one append. The audit log's unique index
    /// on windows refuses a second use even from another airlock process: that is a replay.
    func spend(
        _ window: Int64,
        purpose: String,
        instance: String,
        proposal: String,
        now: Int64,
        with events: [Choros_V1_AuditEventInput] = []
    ) async throws {
        do {
            try await self.record([self.windowEvent(window, purpose: purpose, instance: instance, now: now)] + events)
        } catch let error as RPCError where error.code == .alreadyExists {
            throw try await self.wrongCode(
                "replay",
                "window \(window) was already used to \(purpose)",
                instance,
                proposal,
                now
            )
        }
    }

    func record(_ events: [Choros_V1_AuditEventInput]) async throws {
        for event in try await self.daemons.audit.append(events) { self.state.apply(event) }
    }

    func proto(_ staged: Staged) -> Choros_V1_StagedProposal {
        .with {
            $0.proposalID = staged.proposalID
            $0.stagedOid = staged.oid
            $0.changed = staged.changed
            $0.seq = staged.seq
            $0.stagedAtMs = staged.stagedAt
            $0.landsAfterMs = staged.stagedAt + self.floor
            $0.expiresAtMs = staged.stagedAt + self.ceiling
        }
    }
}
