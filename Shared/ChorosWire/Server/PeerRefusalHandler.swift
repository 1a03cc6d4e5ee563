internal import ChorosProto
internal import NIOCore

/// Serves a connection whose peer the socket does not admit: every request is answered with
/// PERMISSION_DENIED naming the socket and the uid, and the connection closes after the first
/// answer. No request reaches a handler.
final class PeerRefusalHandler: ChannelInboundHandler {
    typealias InboundIn = Choros_V1_Frame
    typealias OutboundOut = Choros_V1_Frame

    private let error: RPCError

    init(error: RPCError) {
        self.error = error
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        let response = ServerConnectionHandler.response(to: frame.callID, error: self.error)
        // Flushed before the close, which runs after it on this same event loop.
        context.writeAndFlush(self.wrapOutboundOut(response), promise: nil)
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
