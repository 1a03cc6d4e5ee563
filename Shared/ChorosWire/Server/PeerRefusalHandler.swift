internal import ChorosProto
internal import NIOCore

/// Serves a connection the socket refuses, so that no request reaches a handler:
///
/// - `.perRequest`: a peer whose uid the socket does not admit; each request is answered with
///   the refusal (naming the socket and the uid) and the connection closes after the answer,
///   or after `linger` if no request comes;
/// - `.atOnce`: a connection over a limit; one connection-level error frame (call id 0), then
///   the close, so a flood holds no file descriptor.
final class PeerRefusalHandler: ChannelInboundHandler {
    typealias InboundIn = Choros_V1_Frame
    typealias OutboundOut = Choros_V1_Frame

    enum Mode {
        case perRequest
        case atOnce
    }

    private let error: RPCError
    private let mode: Mode
    static let linger: TimeAmount = .seconds(5)

    init(error: RPCError, mode: Mode = .perRequest) {
        self.error = error
        self.mode = mode
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        switch self.mode {
        case .atOnce:
            self.answer(callID: 0, context: context)
        case .perRequest:
            let channel = context.channel
            context.eventLoop.scheduleTask(in: Self.linger) { channel.close(promise: nil) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.answer(callID: self.unwrapInboundIn(data).callID, context: context)
    }

    private func answer(callID: UInt64, context: ChannelHandlerContext) {
        // Flushed before the close, which runs after it on this same event loop.
        context.writeAndFlush(
            self.wrapOutboundOut(ServerConnectionHandler.response(to: callID, error: self.error)),
            promise: nil
        )
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
