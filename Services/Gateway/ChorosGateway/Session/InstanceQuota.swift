internal import ChorosProto
internal import ChorosWire
internal import NIOConcurrencyHelpers

/// Calls in flight per instance, across all its connections (TRUST.md, rule 6): one instance
/// saturating its share cannot take the backends' capacity from the others.
///
/// Writes have a share of one. The store and the audit log take writes one at
/// a time, so another instance's write waits behind every write already sent: with at most
/// `writeLimit` per instance sent at once (the rest wait here, within the call quota), one
/// instance's flood adds at most that many writes ahead of anyone else's.
final class InstanceQuota: Sendable {
    let limit: Int
    private let inFlight = NIOLockedValueBox<[String: Int]>([:])
    private let writes: WriteSlots

    init(limit: Int, writeLimit: Int = 1) {
        self.limit = limit
        self.writes = WriteSlots(limit: writeLimit)
    }

    /// Runs a write in one of `name`'s write slots, waiting for one in arrival order.
    func write<Result: Sendable>(_ name: String, _ body: () async throws -> Result) async throws -> Result {
        await self.writes.acquire(name)
        do {
            let result = try await body()
            await self.writes.release(name)
            return result
        } catch {
            await self.writes.release(name)
            throw error
        }
    }

    func isFull(_ name: String) -> Bool { self.inFlight.withLockedValue { $0[name, default: 0] >= self.limit } }

    /// Runs `body` in one of `name`'s slots, or refuses at once when all are taken.
    func run<Result>(_ name: String, _ body: () async throws -> Result) async throws -> Result {
        let admitted = self.inFlight.withLockedValue { counts in
            guard counts[name, default: 0] < self.limit else { return false }
            counts[name, default: 0] += 1
            return true
        }
        guard admitted else {
            throw Refusal(
                .quota,
                .resourceExhausted,
                "'\(name)' has \(self.limit) calls in flight, the limit per instance: wait for one to finish"
            )
        }
        defer {
            self.inFlight.withLockedValue { counts in
                counts[name, default: 1] -= 1
                if counts[name] == 0 { counts[name] = nil }
            }
        }
        return try await body()
    }
}

/// A counting semaphore per instance, first come first served.
private actor WriteSlots {
    let limit: Int
    private var used: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    init(limit: Int) {
        self.limit = limit
    }

    func acquire(_ name: String) async {
        if self.used[name, default: 0] < self.limit {
            self.used[name, default: 0] += 1
            return
        }
        await withCheckedContinuation { self.waiting[name, default: []].append($0) }
    }

    /// Hands the slot to the next waiter, or frees it.
    func release(_ name: String) {
        if var queue = self.waiting[name], !queue.isEmpty {
            let next = queue.removeFirst()
            self.waiting[name] = queue.isEmpty ? nil : queue
            next.resume()
            return
        }
        self.used[name, default: 1] -= 1
        if self.used[name] == 0 { self.used[name] = nil }
    }
}

/// Refusals of peers that proved no key are audited at a bounded rate per uid (a token
/// bucket): an unauthenticated flood cannot turn into a flood of fsyncs.
final class DenialBudget: Sendable {
    private let buckets = NIOLockedValueBox<[UInt32: (tokens: Double, at: ContinuousClock.Instant)]>([:])
    let burst: Double
    let perSecond: Double

    init(burst: Double = 20, perSecond: Double = 5) {
        self.burst = burst
        self.perSecond = perSecond
    }

    /// Whether one more refusal of `uid` may be audited now.
    func take(_ uid: UInt32) -> Bool {
        let now = ContinuousClock.now
        return self.buckets.withLockedValue { buckets in
            var bucket = buckets[uid] ?? (self.burst, now)
            let elapsed = (now - bucket.at) / .seconds(1)
            bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.perSecond)
            bucket.at = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[uid] = bucket
            return allowed
        }
    }
}
