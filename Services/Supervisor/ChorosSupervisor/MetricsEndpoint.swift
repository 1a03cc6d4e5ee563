internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import Logging
internal import NIOCore
internal import NIOHTTP1
internal import NIOPosix
internal import ServiceLifecycle

/// `GET /metrics` on `metrics_listen`: every daemon's metrics (asked over its socket at each
/// scrape) and the supervisor's own, merged into one Prometheus text exposition.
///
/// Metrics are an aid, never a reason to stop: an address in use is logged and the deployment
/// runs without them. Only `GET /metrics` is served; a daemon that does not answer within a
/// second is left out of that scrape (its absence shows in `up`-style alerting).
struct MetricsEndpoint: Service {
    let host: String
    let port: Int
    let daemons: [String: WireClient]
    let logger: Logger

    init(host: String, port: Int, daemonSockets: [String: String], logger: Logger) {
        self.host = host
        self.port = port
        self.daemons = daemonSockets.mapValues { WireClient(socketPath: $0) }
        self.logger = logger
    }

    func run() async throws {
        let daemons = self.daemons
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMap {
                        channel.pipeline.addHandler(MetricsHandler(daemons: daemons))
                    }
                }
                .bind(host: self.host, port: self.port)
                .get()
        } catch {
            self.logger.warning(
                "metrics are off: cannot listen on metrics_listen",
                metadata: ["address": "\(self.host):\(self.port)", "error.message": "\(error)"]
            )
            try? await gracefulShutdown()
            return
        }
        self.logger.info("serving metrics", metadata: ["url": "http://\(self.host):\(self.port)/metrics"])
        try? await gracefulShutdown()
        try? await channel.close()
        for client in daemons.values { await client.close() }
    }

    /// Every daemon's exposition, then the supervisor's, merged.
    static func scrape(_ daemons: [String: WireClient]) async -> String {
        let once = CallOptions(timeout: .seconds(1), isIdempotent: false)
        var texts: [String] = []
        for name in daemons.keys.sorted() {
            guard let client = daemons[name],
                let answer = try? await client.call(DaemonMetrics.scrape, .init(), options: once)
            else { continue }
            texts.append(String(decoding: answer.text, as: UTF8.self))
        }
        texts.append(DaemonMetrics.exposition())
        return PrometheusText.merge(texts)
    }
}

private final class MetricsHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let daemons: [String: WireClient]

    init(daemons: [String: WireClient]) { self.daemons = daemons }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = self.unwrapInboundIn(data) else { return }
        let loop = context.eventLoop
        let bound = NIOLoopBound(context, eventLoop: loop)
        let keepAlive = head.isKeepAlive
        guard head.method == .GET, head.uri.split(separator: "?").first == "/metrics" else {
            let status: HTTPResponseStatus = head.method == .GET ? .notFound : .methodNotAllowed
            Self.respond(bound, status: status, body: "\(status.code) \(status.reasonPhrase)\n", keepAlive: keepAlive)
            return
        }
        let daemons = self.daemons
        let promise = loop.makePromise(of: String.self)
        promise.completeWithTask { await MetricsEndpoint.scrape(daemons) }
        promise.futureResult.whenSuccess { text in
            Self.respond(bound, status: .ok, body: text, keepAlive: keepAlive)
        }
    }

    private static func respond(
        _ bound: NIOLoopBound<ChannelHandlerContext>,
        status: HTTPResponseStatus,
        body: String,
        keepAlive: Bool
    ) {
        let context = bound.value
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(
            NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil
        )
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !keepAlive { done.whenComplete { _ in bound.value.close(promise: nil) } }
    }
}
