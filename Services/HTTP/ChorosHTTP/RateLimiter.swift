internal import NIOConcurrencyHelpers

/// A fixed window per key (the peer's IP): at most `limit` requests per `window`. The table
/// is bounded: when it is full, windows that ended are dropped, and if none has, the new key
/// is refused (a flood of addresses cannot grow it or push out the limited ones).
final class RateLimiter: Sendable {
    private struct Window {
        var start: ContinuousClock.Instant
        var count: Int
    }

    private let limit: Int
    private let window: Duration
    private let capacity: Int
    private let windows = NIOLockedValueBox<[String: Window]>([:])

    init(limit: Int, per window: Duration, capacity: Int = 10_000) {
        self.limit = limit
        self.window = window
        self.capacity = capacity
    }

    /// Takes one slot for `key` now; false when its window is spent.
    func admit(_ key: String, now: ContinuousClock.Instant = .now) -> Bool {
        self.windows.withLockedValue { windows in
            if var current = windows[key], now - current.start < self.window {
                guard current.count < self.limit else { return false }
                current.count += 1
                windows[key] = current
                return true
            }
            if windows[key] == nil, windows.count >= self.capacity {
                windows = windows.filter { now - $0.value.start < self.window }
                guard windows.count < self.capacity else { return false }
            }
            windows[key] = Window(start: now, count: 1)
            return true
        }
    }
}
