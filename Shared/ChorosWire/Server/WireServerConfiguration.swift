/// How a `WireServer` listens.
///
/// - `socketPath`: the Unix socket to bind (a stale socket file there is replaced; any other
///   file is an error).
/// - `access`: the socket file's mode and owner, and the peer uids admitted (default: mode
///   0660, any peer; daemons pass `SocketAccess.service` or `.practitioner`, TRUST.md).
/// - `maximumFrameBytes`: the largest frame accepted (default 16 MiB); a larger length prefix
///   gets RESOURCE_EXHAUSTED and the connection closes before the body is read.
/// - `maximumInFlightCallsPerConnection`: default 256; past it, RESOURCE_EXHAUSTED.
package struct WireServerConfiguration: Sendable {
    package var socketPath: String
    package var access: SocketAccess
    package var maximumFrameBytes: Int
    package var maximumInFlightCallsPerConnection: Int
    package var limits: ConnectionLimits

    package static let defaultMaximumFrameBytes = 16 * 1024 * 1024

    package init(
        socketPath: String,
        access: SocketAccess = .open(),
        maximumFrameBytes: Int = Self.defaultMaximumFrameBytes,
        maximumInFlightCallsPerConnection: Int = 256,
        limits: ConnectionLimits = .unbounded
    ) {
        self.limits = limits
        self.socketPath = socketPath
        self.access = access
        self.maximumFrameBytes = maximumFrameBytes
        self.maximumInFlightCallsPerConnection = maximumInFlightCallsPerConnection
    }
}
