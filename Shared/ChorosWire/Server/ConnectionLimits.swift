internal import NIOConcurrencyHelpers

/// How long and how many connections a socket keeps (TRUST.md, rule 6). `nil` is unbounded,
/// which suits daemon-to-daemon sockets whose only peer is the service user.
///
/// - `maximumPerUID`: connections one peer uid may hold at once; past it, the new one is
///   answered RESOURCE_EXHAUSTED and closed, so one uid cannot exhaust the daemon's files.
/// - `establishDeadline`: a connection the service has not marked established by then (the
///   gateway's handshake) is closed.
/// - `idleTimeout`: a connection with no call in flight and no traffic for this long is closed.
package struct ConnectionLimits: Sendable, Equatable {
    package var maximumPerUID: Int?
    package var establishDeadline: Duration?
    package var idleTimeout: Duration?

    package init(maximumPerUID: Int? = nil, establishDeadline: Duration? = nil, idleTimeout: Duration? = nil) {
        self.maximumPerUID = maximumPerUID
        self.establishDeadline = establishDeadline
        self.idleTimeout = idleTimeout
    }

    package static let unbounded = ConnectionLimits()
}

/// Open connections per peer uid, shared by a server's connections.
final class ConnectionCounts: Sendable {
    private let counts = NIOLockedValueBox<[UInt32: Int]>([:])

    /// Takes a slot for `uid`; false when it already holds `limit`.
    func open(_ uid: UInt32, limit: Int) -> Bool {
        self.counts.withLockedValue { counts in
            guard counts[uid, default: 0] < limit else { return false }
            counts[uid, default: 0] += 1
            return true
        }
    }

    func close(_ uid: UInt32) {
        self.counts.withLockedValue { counts in
            counts[uid, default: 1] -= 1
            if counts[uid] == 0 { counts[uid] = nil }
        }
    }
}
