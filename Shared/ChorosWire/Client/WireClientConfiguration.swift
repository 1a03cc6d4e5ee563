/// How a `WireClient` connects and calls.
///
/// - `defaultTimeout`: a call's deadline when the caller gives none (default 5 s).
/// - `initialBackoff` / `maximumBackoff`: reconnect delays, doubling from 50 ms to 2 s.
/// - `maximumFrameBytes`: the largest response frame accepted (default 16 MiB).
package struct WireClientConfiguration: Sendable {
    package var defaultTimeout: Duration
    package var initialBackoff: Duration
    package var maximumBackoff: Duration
    package var maximumFrameBytes: Int

    package init(
        defaultTimeout: Duration = .seconds(5),
        initialBackoff: Duration = .milliseconds(50),
        maximumBackoff: Duration = .seconds(2),
        maximumFrameBytes: Int = WireServerConfiguration.defaultMaximumFrameBytes
    ) {
        self.defaultTimeout = defaultTimeout
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.maximumFrameBytes = maximumFrameBytes
    }
}

/// Per-call options.
package struct CallOptions: Sendable {
    /// Overrides the client's default timeout.
    package var timeout: Duration?
    /// Sent as the frame's metadata (trace-id, caller, ...).
    package var metadata: [String: String]
    /// Overrides the method's own idempotency (e.g. a mutation that carries an op id).
    package var isIdempotent: Bool?

    package init(timeout: Duration? = nil, metadata: [String: String] = [:], isIdempotent: Bool? = nil) {
        self.timeout = timeout
        self.metadata = metadata
        self.isIdempotent = isIdempotent
    }
}
