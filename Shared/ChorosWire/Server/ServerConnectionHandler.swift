internal import ChorosProto
internal import Logging
internal import NIOCore

/// Serves one connection: admits each REQUEST, runs it as its own task on this channel's
/// event loop, answers in completion order, honours CANCEL, and drains on shutdown.
///
/// A plain channel handler rather than an async sequence: everything here runs on the
/// channel's event loop, so the in-flight table needs no lock and a call costs no thread
/// hand-off beyond the handler's own awaits (see `EventLoopTaskExecutor`).
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Choros_V1_Frame
    typealias OutboundOut = Choros_V1_Frame

    private var calls: InFlightCalls
    private let router: RPCRouter
    private let peer: PeerCredentials?
    let session = ConnectionSession()
    private let logger: Logger
    private let executor: EventLoopTaskExecutor
    private var context: ChannelHandlerContext?
    /// Each running call's deadline timer, cancelled when the call ends first.
    private var deadlines: [UInt64: Scheduled<Void>] = [:]

    init(router: RPCRouter, peer: PeerCredentials?, maximumInFlightCalls: Int, logger: Logger, eventLoop: any EventLoop)
    {
        self.calls = InFlightCalls(limit: maximumInFlightCalls)
        self.router = router
        self.peer = peer
        self.logger = logger
        self.executor = EventLoopTaskExecutor(eventLoop)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.kind {
        case .request where frame.callID != 0:
            self.start(frame, context: context)
        case .cancel where frame.callID != 0:
            self.calls.cancel(frame.callID)?.cancel()
        case .request, .cancel:
            self.closeConnection(FrameError.missingCallID, context: context)
        default:
            self.closeConnection(FrameError.unexpectedKind(rawValue: frame.kind.rawValue), context: context)
        }
    }

    /// The idle timeout: closes only a connection with nothing in flight.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is IdleStateHandler.IdleStateEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if self.calls.count == 0 { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? FrameError else {
            self.logger.debug("connection failed", metadata: ["error.message": "\(error)"])
            context.close(promise: nil)
            return
        }
        self.closeConnection(error, context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The peer is gone: nobody will read what is still running.
        for task in self.calls.removeAll() { task.cancel() }
        for timer in self.deadlines.values { timer.cancel() }
        self.deadlines.removeAll()
        context.fireChannelInactive()
    }

    /// A broken stream closes this connection only, after one error frame saying why.
    private func closeConnection(_ error: FrameError, context: ChannelHandlerContext) {
        self.logger.debug("closing connection on bad frame", metadata: ["error.message": "\(error)"])
        guard context.channel.isActive else { return }
        var frame = Choros_V1_Frame()
        frame.kind = .response
        frame.status = error.rpcError.status
        // Flushed before the close, which runs after it on this same event loop.
        context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
        context.close(promise: nil)
    }

    private func start(_ request: Choros_V1_Frame, context: ChannelHandlerContext) {
        if let refusal = self.admit(request.callID) {
            context.writeAndFlush(self.wrapOutboundOut(Self.response(to: request.callID, error: refusal)), promise: nil)
            return
        }
        let callContext = self.callContext(for: request)
        let router = self.router
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        // One unstructured task per call, because a CANCEL must stop exactly that call and a
        // task-group child cannot be cancelled alone. It never outlives the connection:
        // channelInactive cancels every task still registered.
        let task = Task(executorPreference: self.executor) {
            let response = await router.respond(to: request, context: callContext)
            if loopBound.eventLoop.inEventLoop {
                loopBound.value.finish(request.callID, response: response)
            } else {
                loopBound.eventLoop.execute { loopBound.value.finish(request.callID, response: response) }
            }
        }
        if self.calls.attach(task, to: request.callID) {
            task.cancel()
        }
        // Server-side deadlines: past the caller's deadline the work is cancelled, whether or
        // not the caller said so (WIRE.md, TRUST.md rule 6).
        if let deadline = callContext.deadline {
            self.deadlines[request.callID] = context.eventLoop.scheduleTask(deadline: deadline) { task.cancel() }
        }
    }

    private func admit(_ callID: UInt64) -> RPCError? {
        switch self.calls.admit(callID) {
        case .admitted:
            nil
        case .draining:
            RPCError(code: .unavailable, message: "server is shutting down")
        case .duplicate:
            RPCError(code: .invalidArgument, message: "call_id \(callID) is already in flight")
        case .overLimit(let limit):
            RPCError(
                code: .resourceExhausted,
                message: "too many calls in flight on this connection: the limit is \(limit)",
                details: ["limit": String(limit)]
            )
        }
    }

    private func finish(_ callID: UInt64, response: Choros_V1_Frame) {
        self.deadlines.removeValue(forKey: callID)?.cancel()
        let completion = self.calls.finish(callID)
        guard let context = self.context else { return }
        if completion.shouldRespond {
            context.writeAndFlush(self.wrapOutboundOut(response), promise: nil)
        }
        if completion.shouldClose {
            context.close(promise: nil)
        }
    }

    /// Graceful shutdown: refuse new calls, close once the running ones have answered.
    func beginDraining() {
        if self.calls.beginDraining() {
            self.context?.close(promise: nil)
        }
    }

    private func callContext(for request: Choros_V1_Frame) -> RPCContext {
        let deadline: NIODeadline? =
            request.timeoutMs == 0 ? nil : .now() + .milliseconds(Int64(request.timeoutMs))
        return RPCContext(
            callID: request.callID,
            method: request.method,
            metadata: request.metadata,
            deadline: deadline,
            peer: self.peer,
            session: self.session,
            logger: self.logger
        )
    }

    static func response(to callID: UInt64, error: RPCError) -> Choros_V1_Frame {
        var frame = Choros_V1_Frame()
        frame.callID = callID
        frame.kind = .response
        frame.status = error.status
        return frame
    }
}
