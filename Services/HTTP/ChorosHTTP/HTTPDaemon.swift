internal import ChorosAuth
internal import ChorosClients
package import ChorosCore
internal import ChorosWire
internal import CoreMetrics
internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import HummingbirdTLS
package import Logging
internal import NIOCore
package import ServiceLifecycle

/// The composition root of `choros-http`, the HTTP door (HTTP.md): MCP over Streamable HTTP
/// on a loopback address, each session a gateway client bound to the instance its bearer
/// token names. `http.sock` answers Health for the supervisor; the bound address is written
/// to `<run_dir>/http.address` (so port 0 may be configured).
package func makeHTTPDaemon(configuration: ChorosConfiguration, logger: Logger) async throws -> [any Service] {
    // Loading the configuration refused anything else.
    guard let address = configuration.httpAddress else { throw DoorError.listen(configuration.httpListen) }
    let tls = try DoorTLS.configuration(configuration)
    let auth = try AuthDatabase(path: configuration.authDatabase)
    let sessions = SessionTable(
        capacity: configuration.httpMaximumSessions,
        auth: auth,
        keysDirectory: configuration.keysDirectory,
        gatewaySocket: configuration.socketPath(for: "gateway"),
        logger: logger
    )
    let airlock = AirlockClient(WireClient(socketPath: configuration.socketPath(for: "airlock")))
    let audit = DoorAudit(airlock: airlock, logger: logger)
    let oauth =
        configuration.httpPublicURL.isEmpty
        ? nil
        : OAuthRoutes(
            issuer: configuration.httpPublicURL,
            auth: auth,
            maximumClients: OAuthRoutes.maximumClients,
            limiter: RateLimiter(limit: OAuthRoutes.registrationsPerMinute, per: .seconds(60)),
            audit: audit
        )
    let endpoint = MCPEndpoint(
        auth: auth,
        sessions: sessions,
        logger: logger,
        resourceMetadata: oauth?.resourceMetadataURL
    )
    let router = Router(context: DoorContext.self)
    router.add(middleware: DoorGuard(hosts: doorHosts(configuration, bound: address.host), tls: tls != nil))
    router.add(middleware: MetricsMiddleware())
    if let oauth {
        oauth.add(to: router)
        OAuthFlow(
            issuer: oauth.issuer,
            auth: auth,
            airlock: airlock,
            audit: audit,
            limits: OAuthFlow.Limits(),
            keysDirectory: configuration.keysDirectory
        ).add(to: router)
    }
    router.post("mcp") { request, _ in try await endpoint.post(request) }
    router.get("mcp") { request, _ in try await endpoint.get(request) }
    router.delete("mcp") { request, _ in try await endpoint.delete(request) }
    router.get("healthz") { _, _ in "ok\n" }
    // The door binds loopback only, so /metrics is as private as metrics_listen.
    router.get("metrics") { _, _ in
        Gauge(label: "choros_http_sessions").record(Double(await sessions.count))
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: DaemonMetrics.exposition()))
        )
    }
    let addressFile = configuration.runDirectory + "/http.address"
    let application = Application(
        router: router,
        server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
        configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? address.port
            let host = address.host.contains(":") ? "[\(address.host)]" : address.host
            try? Data("\(host):\(port)\n".utf8).write(to: URL(fileURLWithPath: addressFile), options: .atomic)
            logger.notice("serving MCP over HTTP", metadata: ["address": "\(host):\(port)"])
        },
        logger: logger
    )
    let server = WireServer.daemon(
        name: "http",
        configuration: configuration,
        logger: logger,
        figures: { ["sessions": String(await sessions.count), "listen": configuration.httpListen] },
        gauges: { ["http_sessions": Double(await sessions.count)] }
    )
    return [server, application, SessionCloser(sessions: sessions)]
}

/// The Host names the door answers: loopback's, the address it is bound to (a tailnet
/// address, say), `http_public_url`'s host and `http_allowed_hosts`.
private func doorHosts(_ configuration: ChorosConfiguration, bound: String) -> Set<String> {
    var hosts: Set<String> = ["localhost", "127.0.0.1", "::1"]
    hosts.formUnion(configuration.httpAllowedHosts)
    if let publicHost = configuration.httpPublicHost { hosts.insert(publicHost) }
    if !["0.0.0.0", "::"].contains(bound) { hosts.insert(bound.lowercased()) }
    return hosts
}

/// Closes the live sessions' gateway connections when the daemon stops.
private struct SessionCloser: Service {
    let sessions: SessionTable

    func run() async throws {
        try? await gracefulShutdown()
        await self.sessions.closeAll()
    }
}
