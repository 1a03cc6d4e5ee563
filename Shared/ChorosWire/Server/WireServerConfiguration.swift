/// How a `WireServer` listens.
///
/// - `socketPath`: the Unix socket to bind (a stale socket file there is replaced; any other
///   file is an error).
/// - `socketMode`: permission bits set right after bind (default 0660; `admin.sock` uses 0600).
/// - `maximumFrameBytes`: the largest frame accepted (default 16 MiB); a larger length prefix
///   gets RESOURCE_EXHAUSTED and the connection closes before the body is read.
/// - `maximumInFlightCallsPerConnection`: default 256; past it, RESOURCE_EXHAUSTED.
package struct WireServerConfiguration: Sendable {
    package var socketPath: String
    package var socketMode: UInt32
    package var maximumFrameBytes: Int
    package var maximumInFlightCallsPerConnection: Int

    package static let defaultMaximumFrameBytes = 16 * 1024 * 1024

    package init(
        socketPath: String,
        socketMode: UInt32 = 0o660,
        maximumFrameBytes: Int = Self.defaultMaximumFrameBytes,
        maximumInFlightCallsPerConnection: Int = 256
    ) {
        self.socketPath = socketPath
        self.socketMode = socketMode
        self.maximumFrameBytes = maximumFrameBytes
        self.maximumInFlightCallsPerConnection = maximumInFlightCallsPerConnection
    }
}
