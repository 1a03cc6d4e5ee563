internal import ChorosProto
internal import Foundation
package import Logging
internal import NIOCore
package import NIOPosix
internal import ServiceLifecycle

/// Serves framed RPC on a Unix domain socket until graceful shutdown.
///
/// Shutdown order (STYLE.md, 29): stop accepting, answer new calls with UNAVAILABLE, let
/// in-flight calls finish, close each connection, then unlink the socket file, since NIO
/// leaves it behind.
package struct WireServer: Service {
    private let configuration: WireServerConfiguration
    private let router: RPCRouter
    private let logger: Logger
    private let eventLoopGroup: MultiThreadedEventLoopGroup

    package init(
        configuration: WireServerConfiguration,
        router: RPCRouter,
        logger: Logger,
        eventLoopGroup: MultiThreadedEventLoopGroup = .singleton
    ) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
    }

    package func run() async throws {
        let path = self.configuration.socketPath
        let maximumFrameBytes = self.configuration.maximumFrameBytes
        let router = self.router
        let logger = self.logger
        let maximumInFlightCalls = self.configuration.maximumInFlightCallsPerConnection
        let access = self.configuration.access
        let limits = self.configuration.limits
        let counts = ConnectionCounts()
        let socketName = (path as NSString).lastPathComponent
        let listener = try await ServerBootstrap(group: self.eventLoopGroup)
            // Deep enough that a burst of connections (refused at once past the per-uid cap)
            // does not leave a legitimate client to EAGAIN; the kernel caps it at somaxconn.
            .serverChannelOption(.backlog, value: 4096)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                PeerCredentials.read(from: channel).flatMapThrowing { peer in
                    let framing: [any ChannelHandler] = [
                        ByteToMessageHandler(FrameDecoder(maximumFrameBytes: maximumFrameBytes)),
                        MessageToByteHandler(FrameEncoder()),
                    ]
                    guard access.admits(peer) else {
                        let error = Self.refusal(of: peer, socket: socketName, access: access)
                        logger.warning(
                            "refused a peer",
                            metadata: ["socket": "\(socketName)", "reason": "\(error.message)"]
                        )
                        try channel.pipeline.syncOperations.addHandlers(framing + [PeerRefusalHandler(error: error)])
                        return AcceptedConnection(channel: channel, handler: nil)
                    }
                    if let limit = limits.maximumPerUID, let uid = peer?.uid {
                        guard counts.open(uid, limit: limit) else {
                            let error = RPCError(
                                code: .resourceExhausted,
                                message: "uid \(uid) holds \(limit) connections to \(socketName), the limit per uid",
                                details: ["gate": Refusal.Gate.connections.name, "limit": String(limit)]
                            )
                            try channel.pipeline.syncOperations.addHandlers(
                                framing + [PeerRefusalHandler(error: error, mode: .atOnce)]
                            )
                            return AcceptedConnection(channel: channel, handler: nil)
                        }
                        channel.closeFuture.whenComplete { _ in counts.close(uid) }
                    }
                    let handler = ServerConnectionHandler(
                        router: router,
                        peer: peer,
                        maximumInFlightCalls: maximumInFlightCalls,
                        logger: logger,
                        eventLoop: channel.eventLoop
                    )
                    var handlers = framing
                    if let idle = limits.idleTimeout {
                        handlers.insert(IdleStateHandler(allTimeout: TimeAmount(idle)), at: 0)
                    }
                    try channel.pipeline.syncOperations.addHandlers(handlers + [handler])
                    if let deadline = limits.establishDeadline {
                        let session = handler.session
                        channel.eventLoop.scheduleTask(in: TimeAmount(deadline)) {
                            if !session.isEstablished { channel.close(promise: nil) }
                        }
                    }
                    return AcceptedConnection(
                        channel: channel,
                        handler: NIOLoopBound(handler, eventLoop: channel.eventLoop)
                    )
                }
            }
        defer { Self.unlinkSocket(at: path) }
        try self.applyAccess(access, to: path)
        self.logger.info("listening", metadata: ["socket": "\(path)"])

        try await withThrowingDiscardingTaskGroup { group in
            try await listener.executeThenClose { connections in
                for try await accepted in connections.cancelOnGracefulShutdown() {
                    group.addTask { await accepted.run() }
                }
            }
        }
        self.logger.info("stopped listening", metadata: ["socket": "\(path)"])
    }

    /// Sets the socket file's mode and owner before any peer can rely on them.
    private func applyAccess(_ access: SocketAccess, to path: String) throws {
        var mode = access.mode
        if access.owner != nil || access.group != nil {
            let owner = access.owner.map { uid_t($0) } ?? uid_t.max
            let group = access.group.map { gid_t($0) } ?? gid_t.max
            if chown(path, owner, group) != 0 {
                guard let fallback = access.fallbackMode else {
                    throw WireServerError.cannotSetSocketOwner(path: path, errno: errno)
                }
                self.logger.notice(
                    "cannot hand the socket to its user; the peer check alone guards it",
                    metadata: ["socket": "\(path)", "error.message": "\(String(cString: strerror(errno)))"]
                )
                mode = fallback
            }
        }
        guard chmod(path, mode_t(mode)) == 0 else {
            throw WireServerError.cannotSetSocketMode(path: path, errno: errno)
        }
    }

    private static func refusal(of peer: PeerCredentials?, socket: String, access: SocketAccess) -> RPCError {
        let admitted = (access.admittedUIDs ?? []).sorted().map(String.init).joined(separator: ", ")
        let uid = peer.map { String($0.uid) } ?? "unknown"
        return RPCError(
            code: .permissionDenied,
            message:
                "\(socket) admits uid \(admitted) only, not uid \(uid): instances reach Choros through gateway.sock",
            details: ["gate": Refusal.Gate.peer.name, "socket": socket, "uid": uid]
        )
    }

    /// Removes our socket file, and only if it is still a socket.
    private static func unlinkSocket(at path: String) {
        var info = stat()
        if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK {
            unlink(path)
        }
    }
}

/// An accepted connection, served by its handler on its event loop. Its task only waits for
/// the close, passing on graceful shutdown (drain) and cancellation (close now).
private struct AcceptedConnection: Sendable {
    let channel: any Channel
    /// `nil` for a refused peer's connection, which has nothing to drain.
    let handler: NIOLoopBound<ServerConnectionHandler>?

    func run() async {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                try? await self.channel.closeFuture.get()
            } onGracefulShutdown: {
                guard let handler = self.handler else {
                    self.channel.close(promise: nil)
                    return
                }
                handler.eventLoop.execute { handler.value.beginDraining() }
            }
        } onCancel: {
            self.channel.close(promise: nil)
        }
    }
}

/// Why a server could not start listening.
package enum WireServerError: Error, CustomStringConvertible {
    case cannotSetSocketMode(path: String, errno: Int32)
    case cannotSetSocketOwner(path: String, errno: Int32)

    package var description: String {
        switch self {
        case .cannotSetSocketMode(let path, let errno):
            "cannot set the mode of socket \(path): \(String(cString: strerror(errno)))"
        case .cannotSetSocketOwner(let path, let errno):
            "cannot set the owner of socket \(path): \(String(cString: strerror(errno)))"
        }
    }
}
