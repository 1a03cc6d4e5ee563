package import ChorosWire
package import Logging

/// The version every daemon reports in Health/Check.
package enum ChorosVersion {
    package static let current = "0.1.0"
}

extension WireServer {
    /// The server of daemon `name`: `<run_dir>/<name>.sock` (or `socketName`), reachable by the
    /// service user alone unless `access` says otherwise (TRUST.md), the configured frame
    /// limit, and Health/Check registered on `router` with the figures `figures` reports.
    package static func daemon(
        name: String,
        configuration: ChorosConfiguration,
        router: RPCRouter = RPCRouter(),
        socketName: String? = nil,
        access: SocketAccess? = nil,
        limits: ConnectionLimits = .unbounded,
        logger: Logger,
        figures: @escaping @Sendable () async -> [String: String] = { [:] },
        gauges: @escaping @Sendable () async -> [String: Double] = { [:] }
    ) -> WireServer {
        var router = router
        router.registerHealth(service: "choros-\(name)", version: ChorosVersion.current, figures: figures)
        DaemonMetrics.register(on: &router, gauges: gauges)
        return WireServer(
            configuration: WireServerConfiguration(
                socketPath: configuration.socketPath(for: socketName ?? name),
                access: access ?? configuration.serviceSocketAccess,
                maximumFrameBytes: configuration.maximumFrameBytes,
                limits: limits
            ),
            router: router,
            logger: logger
        )
    }
}
