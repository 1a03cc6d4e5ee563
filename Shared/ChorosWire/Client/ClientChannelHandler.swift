internal import ChorosProto
internal import NIOCore

/// What a `WireClient` writes into its channel.
enum ClientOutbound: Sendable {
    /// A REQUEST frame, the promise its RESPONSE completes, and when to give up on it.
    case request(Choros_V1_Frame, EventLoopPromise<Choros_V1_Frame>, deadline: NIODeadline)
    /// The caller stopped waiting (task cancelled): fail the call and tell the server.
    case cancel(callID: UInt64)
}

/// Matches RESPONSE frames to waiting calls by call_id, enforces deadlines and sends CANCEL.
///
/// Everything here runs on the channel's event loop, so the pending table needs no lock.
/// Deadlines share one timer per connection, armed for the earliest pending deadline: a timer
/// per call costs more than the rest of a small call together.
final class ClientChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = Choros_V1_Frame
    typealias OutboundIn = ClientOutbound
    typealias OutboundOut = Choros_V1_Frame

    private struct PendingCall {
        var promise: EventLoopPromise<Choros_V1_Frame>
        var deadline: NIODeadline
        var method: String
        var timeoutMilliseconds: UInt32
    }

    private var pending: [UInt64: PendingCall] = [:]
    private var sweep: (deadline: NIODeadline, task: Scheduled<Void>)?
    private let socketPath: String

    init(socketPath: String) {
        self.socketPath = socketPath
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.unwrapOutboundIn(data) {
        case .request(let frame, let responsePromise, let deadline):
            self.send(frame, responsePromise: responsePromise, deadline: deadline, context: context)
            promise?.succeed()
        case .cancel(let callID):
            self.fail(callID, with: RPCError(code: .cancelled, message: "call was cancelled by the caller"))
            Self.writeCancel(callID, context: context)
            promise?.succeed()
        }
    }

    private func send(
        _ frame: Choros_V1_Frame,
        responsePromise: EventLoopPromise<Choros_V1_Frame>,
        deadline: NIODeadline,
        context: ChannelHandlerContext
    ) {
        guard context.channel.isActive else {
            responsePromise.fail(RPCError(code: .unavailable, message: "connection to \(self.socketPath) is closed"))
            return
        }
        let callID = frame.callID
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        self.pending[callID] = PendingCall(
            promise: responsePromise,
            deadline: deadline,
            method: frame.method,
            timeoutMilliseconds: frame.timeoutMs
        )
        self.armSweep(at: deadline, context: context)
        let writePromise = context.eventLoop.makePromise(of: Void.self)
        writePromise.futureResult.whenFailure { error in
            loopBound.value.0.fail(callID, with: RPCError(code: .unavailable, message: "cannot send: \(error)"))
        }
        context.writeAndFlush(self.wrapOutboundOut(frame), promise: writePromise)
    }

    /// Makes sure the sweep runs no later than `deadline`.
    private func armSweep(at deadline: NIODeadline, context: ChannelHandlerContext) {
        if let sweep = self.sweep, sweep.deadline <= deadline { return }
        self.sweep?.task.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let task = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.sweep = nil
            handler.expireDueCalls(context: context)
        }
        self.sweep = (deadline, task)
    }

    private func expireDueCalls(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        for (callID, call) in self.pending where call.deadline <= now {
            self.expire(callID, context: context)
        }
        if let next = self.pending.values.lazy.map(\.deadline).min() {
            self.armSweep(at: next, context: context)
        }
    }

    private func expire(_ callID: UInt64, context: ChannelHandlerContext) {
        guard let call = self.pending.removeValue(forKey: callID) else { return }
        let milliseconds = call.timeoutMilliseconds
        call.promise.fail(
            RPCError(
                code: .deadlineExceeded,
                message: "deadline of \(milliseconds) ms exceeded calling \(call.method)",
                details: ["timeout_ms": String(milliseconds)]
            )
        )
        Self.writeCancel(callID, context: context)
    }

    private static func writeCancel(_ callID: UInt64, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var cancel = Choros_V1_Frame()
        cancel.callID = callID
        cancel.kind = .cancel
        context.writeAndFlush(NIOAny(cancel), promise: nil)
    }

    private func fail(_ callID: UInt64, with error: RPCError) {
        guard let call = self.pending.removeValue(forKey: callID) else { return }
        call.promise.fail(error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        if frame.callID == 0 {
            // A connection-level error frame: the server closes right after it.
            self.failAll(with: RPCError(status: frame.status))
            return
        }
        guard let call = self.pending.removeValue(forKey: frame.callID) else { return }
        call.promise.succeed(frame)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failAll(with: RPCError(code: .unavailable, message: "connection to \(self.socketPath) closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.failAll(with: RPCError(code: .unavailable, message: "connection to \(self.socketPath) failed: \(error)"))
        context.close(promise: nil)
    }

    private func failAll(with error: RPCError) {
        let calls = self.pending
        self.pending.removeAll()
        self.sweep?.task.cancel()
        self.sweep = nil
        for call in calls.values {
            call.promise.fail(error)
        }
    }
}
