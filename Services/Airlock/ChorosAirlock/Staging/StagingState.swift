internal import ChorosCore
internal import ChorosProto
internal import ChorosWire

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

/// Which proposals are staged, and who failed how often lately: a value derived from the audit
/// log's airlock events, rebuilt once at start and then kept current by the transitions the
/// airlock appends.
struct StagingState: Sendable {
    var staged: [String: Staged] = [:]
    /// Counted failures (wrong codes and gate refusals) by relaying instance, and wrong staging
    /// codes by proposal: the rate limits read these, never the caller's word.
    private(set) var instanceFailures = RecentFailures()
    private(set) var proposalFailures = RecentFailures()
    /// Until when an instance that forced a brute-force revert is refused outright.
    private(set) var penalties: [String: Int64] = [:]
    /// Wrong connector codes over the last day (the door as a whole): past a cap, connectors
    /// are approved at the console only, so guessing cannot go on at 10 a minute for weeks.
    private(set) var doorFailures: [Int64] = []

    static let rateWindowMilliseconds: Int64 = 60_000
    static let dayMilliseconds: Int64 = 86_400_000

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
        case AirlockEvent.revert:
            self.staged[proposal] = nil
            let reason = (try? JSONParser.parse(Array(event.detail)))?["reason"]?.stringValue
            if reason == AirlockEvent.bruteForce {
                self.penalties[event.actor] = event.ts + Self.rateWindowMilliseconds
            }
        case "land_merge":
            self.staged[proposal] = nil
        case AirlockEvent.wrongCode:
            self.instanceFailures.add(event.actor, at: event.ts)
            if event.actor == ConnectorEvent.door {
                self.doorFailures.removeAll { $0 <= event.ts - Self.dayMilliseconds }
                self.doorFailures.append(event.ts)
            }
            if self.staged[proposal] != nil {
                self.staged[proposal]?.wrongCodes += 1
            } else if !proposal.isEmpty {
                self.proposalFailures.add(proposal, at: event.ts)
            }
        case AirlockEvent.refused:
            // A rate refusal is the limit answering, not another attempt.
            let gate = (try? JSONParser.parse(Array(event.detail)))?["gate"]?.stringValue
            if gate != Refusal.Gate.rate.name { self.instanceFailures.add(event.actor, at: event.ts) }
        default:
            break
        }
    }

    /// Wrong connector codes within the day before `now`, and the oldest of them.
    func doorFailures(now: Int64) -> (count: Int, oldest: Int64?) {
        let recent = self.doorFailures.filter { $0 > now - Self.dayMilliseconds }
        return (recent.count, recent.min())
    }

    func matching(prefix: String) -> [Staged] {
        self.staged.values.filter { $0.oid.hasPrefix(prefix) }.sorted { $0.proposalID < $1.proposalID }
    }

    /// Staged proposals older than the ceiling: reverted when next observed.
    func expired(now: Int64, ceilingMilliseconds: Int64) -> [Staged] {
        self.staged.values.filter { now >= $0.stagedAt + ceilingMilliseconds }.sorted { $0.proposalID < $1.proposalID }
    }
}

/// Timestamps of recent failures per key, pruned to the rate window as they are added, so a
/// key holds at most what the limit lets through.
struct RecentFailures: Sendable {
    private var times: [String: [Int64]] = [:]

    mutating func add(_ key: String, at time: Int64) {
        var recent = self.times[key, default: []]
        recent.removeAll { $0 <= time - StagingState.rateWindowMilliseconds }
        recent.append(time)
        self.times[key] = recent
    }

    /// Failures within the rate window before `now`, and the oldest of them.
    func recent(_ key: String, now: Int64) -> (count: Int, oldest: Int64?) {
        let recent = (self.times[key] ?? []).filter { $0 > now - StagingState.rateWindowMilliseconds }
        return (recent.count, recent.min())
    }
}

/// The audit ops the airlock appends; its state is derived from them.
enum AirlockEvent {
    static let stage = "airlock.stage"
    static let revert = "airlock.revert"
    /// A wrong, replayed or not-strictly-later code: counts toward the rate limit and the
    /// five-strikes revert.
    static let wrongCode = "airlock.reject"
    /// Any other refusal (floor, already staged, no match, rate): audited; all but the rate
    /// refusal itself count toward the instance's rate limit.
    static let refused = "airlock.refused"
    /// A consumed TOTP window: actor is the purpose (`stage` / `land`), target the window.
    /// The audit log's unique index lets each (purpose, window) be recorded once.
    static let window = "airlock.window"
    static let actor = "airlock"
    static let bruteForce = "brute_force"
}
