import Foundation

/// Re-reads `value` until `condition` holds or `timeout` passes, and returns the last value:
/// for what a daemon does in the background after answering (a catch-up at start), which a
/// test can only observe. Polling here is the test's, never the system's.
func eventually<Value>(
    timeout: Duration = .seconds(20),
    _ value: () async throws -> Value,
    until condition: (Value) -> Bool
) async throws -> Value {
    let giveUp = ContinuousClock.now + timeout
    while true {
        let current = try await value()
        if condition(current) || ContinuousClock.now > giveUp { return current }
        try await Task.sleep(for: .milliseconds(50))
    }
}
