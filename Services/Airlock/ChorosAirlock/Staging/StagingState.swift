internal import ChorosCore
internal import ChorosProto

/// One proposal staged in the airlock.
struct Staged: Sendable, Equatable {
    var proposalID: String
    var oid: String
    /// The TOTP window the staging code matched.
    var window: Int64
    var stagedAt: Int64
    var seq: String
    var changed: [String]
    var wrongCodes = 0
}

/// Which proposals are staged: a value derived from the audit log's airlock events, rebuilt
/// once at start and then kept current by the transitions the airlock appends.
struct StagingState: Sendable {
    var staged: [String: Staged] = [:]

    init() {}

    /// Replays airlock events in seq order.
    init(events: [Choros_V1_AuditEvent]) {
        for event in events.sorted(by: { $0.seq < $1.seq }) { self.apply(event) }
    }

    mutating func apply(_ event: Choros_V1_AuditEvent) {
        let proposal = event.targetPath
        switch event.op {
        case AirlockEvent.stage:
            let detail = try? JSONParser.parse(Array(event.detail))
            self.staged[proposal] = Staged(
                proposalID: proposal,
                oid: event.resultOid,
                window: detail?["window"]?.integerValue ?? 0,
                stagedAt: detail?["staged_at"]?.integerValue ?? event.ts,
                seq: detail?["seq"]?.stringValue ?? "",
                changed: detail?["changed"]?.arrayValue?.compactMap(\.stringValue) ?? []
            )
        case AirlockEvent.revert, "land_merge":
            self.staged[proposal] = nil
        case AirlockEvent.wrongCode:
            self.staged[proposal]?.wrongCodes += 1
        default:
            break
        }
    }

    func matching(prefix: String) -> [Staged] {
        self.staged.values.filter { $0.oid.hasPrefix(prefix) }.sorted { $0.proposalID < $1.proposalID }
    }

    /// Staged proposals older than the ceiling: reverted when next observed.
    func expired(now: Int64, ceilingMilliseconds: Int64) -> [Staged] {
        self.staged.values.filter { now >= $0.stagedAt + ceilingMilliseconds }.sorted { $0.proposalID < $1.proposalID }
    }
}

/// The audit ops the airlock appends; its state is derived from them.
enum AirlockEvent {
    static let stage = "airlock.stage"
    static let revert = "airlock.revert"
    /// A wrong, replayed or not-strictly-later code: counts toward the rate limit and the
    /// five-strikes revert.
    static let wrongCode = "airlock.reject"
    /// Any other refusal (floor, already staged, no match, rate): audited, costs nothing.
    static let refused = "airlock.refused"
    /// A consumed TOTP window: actor is the purpose (`stage` / `land`), target the window.
    static let window = "airlock.window"
    static let actor = "airlock"
}
