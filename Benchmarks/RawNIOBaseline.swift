import ChorosProto
import ChorosWire
import NIOCore
import NIOExtras
import NIOPosix

/// The yardstick: SwiftNIO with nio-extras' length-field codec and an echo handler, no RPC
/// layer. Each connection does one round trip at a time.
struct RawNIOBaseline {
    let socketPath: String

    func withServer(_ body: () async throws -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(LengthFieldBasedFrameDecoder(lengthFieldLength: .four)),
                        LengthFieldPrepender(lengthFieldLength: .four),
                        EchoHandler(),
                    ])
                }
            }
            .bind(unixDomainSocketPath: self.socketPath, cleanupExistingSocketFile: true)
            .get()
        do {
            try await body()
        } catch {
            try? await server.close()
            throw error
        }
        try await server.close()
    }

    func measure(name: String, connections: Int, duration: Duration) async throws -> BenchmarkResult {
        var channels: [any Channel] = []
        for _ in 0..<connections {
            channels.append(
                try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandlers([
                                ByteToMessageHandler(LengthFieldBasedFrameDecoder(lengthFieldLength: .four)),
                                LengthFieldPrepender(lengthFieldLength: .four),
                                ResponseHandler(),
                            ])
                        }
                    }
                    .connect(unixDomainSocketPath: self.socketPath)
                    .get()
            )
        }
        let payload = ByteBuffer(bytes: Array(repeating: 7, count: 64))
        let captured = channels
        let (calls, elapsed) = try await countCalls(callers: connections, duration: duration) { caller in
            let channel = captured[caller]
            let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
            channel.writeAndFlush(Request(payload: payload, promise: promise), promise: nil)
            _ = try await promise.futureResult.get()
        }
        for channel in channels { try await channel.close() }
        return BenchmarkResult(name: name, calls: calls, elapsed: elapsed)
    }

    /// One client on a plain thread blocking on each response: no task hand-off at all.
    func measureBlocking(name: String, duration: Duration) async throws -> BenchmarkResult {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(LengthFieldBasedFrameDecoder(lengthFieldLength: .four)),
                        LengthFieldPrepender(lengthFieldLength: .four),
                        ResponseHandler(),
                    ])
                }
            }
            .connect(unixDomainSocketPath: self.socketPath)
            .get()
        let payload = ByteBuffer(bytes: Array(repeating: 7, count: 64))
        let (calls, elapsed) = try await NIOThreadPool.singleton.runIfActive {
            let start = ContinuousClock.now
            var calls = 0
            while ContinuousClock.now - start < duration {
                let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
                channel.writeAndFlush(Request(payload: payload, promise: promise), promise: nil)
                _ = try promise.futureResult.wait()
                calls += 1
            }
            return (calls, ContinuousClock.now - start)
        }
        try await channel.close()
        return BenchmarkResult(name: name, calls: calls, elapsed: elapsed)
    }
}

private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }
}

private struct Request: Sendable {
    var payload: ByteBuffer
    var promise: EventLoopPromise<ByteBuffer>
}

/// One outstanding request per connection: the next response completes it.
private final class ResponseHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Request
    typealias OutboundOut = ByteBuffer

    private var pending: EventLoopPromise<ByteBuffer>?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = self.unwrapOutboundIn(data)
        self.pending = request.promise
        context.write(self.wrapOutboundOut(request.payload), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.pending?.succeed(self.unwrapInboundIn(data))
        self.pending = nil
    }
}

/// A frame server with no async layer: answers each REQUEST inline on the event loop.
/// Separates the client's cost from the server's when profiling.
struct InlineFrameServer {
    let socketPath: String

    func withServer(_ body: () async throws -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(FrameDecoder(maximumFrameBytes: 1 << 20)),
                        MessageToByteHandler(FrameEncoder()),
                        InlineResponder(),
                    ])
                }
            }
            .bind(unixDomainSocketPath: self.socketPath, cleanupExistingSocketFile: true)
            .get()
        try await body()
        try await server.close()
    }
}

private final class InlineResponder: ChannelInboundHandler {
    typealias InboundIn = Choros_V1_Frame
    typealias OutboundOut = Choros_V1_Frame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = self.unwrapInboundIn(data)
        frame.kind = .response
        frame.method = ""
        context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
    }
}
