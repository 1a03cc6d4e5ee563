package import Logging
package import NIOCore

/// What a handler knows about the call it is answering.
package struct RPCContext: Sendable {
    package var callID: UInt64
    package var method: String
    package var metadata: [String: String]
    /// When the caller stops waiting; `nil` if the request carried no timeout.
    package var deadline: NIODeadline?
    /// Whether the caller has stopped waiting: work that cannot be undone checks this last.
    package var isPastDeadline: Bool { self.deadline.map { $0 <= .now() } ?? false }
    /// The peer process (uid, pid), for services that authorize by it.
    package var peer: PeerCredentials?
    /// Per-connection state; a fresh one for calls made outside a connection.
    package var session: ConnectionSession
    private var baseLogger: Logger

    /// The server's logger with `call.id` and `rpc.method`, built only when a handler logs.
    package var logger: Logger {
        var logger = self.baseLogger
        logger[metadataKey: "call.id"] = "\(self.callID)"
        logger[metadataKey: "rpc.method"] = "\(self.method)"
        return logger
    }

    package init(
        callID: UInt64,
        method: String,
        metadata: [String: String] = [:],
        deadline: NIODeadline? = nil,
        peer: PeerCredentials? = nil,
        session: ConnectionSession = ConnectionSession(),
        logger: Logger
    ) {
        self.callID = callID
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.peer = peer
        self.session = session
        self.baseLogger = logger
    }
}
