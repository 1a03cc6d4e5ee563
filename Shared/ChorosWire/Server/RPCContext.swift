package import Logging
package import NIOCore

/// What a handler knows about the call it is answering.
package struct RPCContext: Sendable {
    package var callID: UInt64
    package var method: String
    package var metadata: [String: String]
    /// When the caller stops waiting; `nil` if the request carried no timeout.
    package var deadline: NIODeadline?
    /// The peer process (uid, pid), for services that authorize by it.
    package var peer: PeerCredentials?
    /// Carries `call.id` and `rpc.method`.
    package var logger: Logger

    package init(
        callID: UInt64,
        method: String,
        metadata: [String: String] = [:],
        deadline: NIODeadline? = nil,
        peer: PeerCredentials? = nil,
        logger: Logger
    ) {
        self.callID = callID
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.peer = peer
        self.logger = logger
    }
}
