internal import ChorosProto
package import CoreMetrics

/// What every daemon's router records per call (issue 21): calls by method and status, their
/// latency, and how many are in flight. The backend is whatever the daemon bootstrapped
/// (Prometheus under `DaemonRunner`; nothing in a test that did not).
enum RPCMetrics {
    private static let inFlight = Meter(label: "choros_rpc_in_flight")

    static func begin() { Self.inFlight.increment() }

    /// `method` is a registered path or "unknown": a caller's made-up method names never
    /// become labels, so they cannot grow the daemon's memory.
    static func end(method: String, code: Choros_V1_Code, since start: ContinuousClock.Instant, counted: Bool = true) {
        if counted { Self.inFlight.decrement() }
        Counter(label: "choros_rpc_requests_total", dimensions: [("method", method), ("code", code.name)]).increment()
        Timer(label: "choros_rpc_duration_seconds", dimensions: [("method", method)]).recordDuration(since: start)
    }
}

extension Timer {
    /// Records the time from `start` until now.
    package func recordDuration(since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = start.duration(to: .now).components
        self.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
