package import ChorosCore
internal import ChorosWire
package import Logging
package import ServiceLifecycle

/// The composition root of `choros-gateway`: serves `gateway.sock`. Its RPCs arrive with issue #7;
/// today it serves Health.
package func makeGatewayDaemon(configuration: ChorosConfiguration, logger: Logger) async throws -> [any Service] {
    let figures = ["deployment": configuration.deploymentName]
    return [WireServer.daemon(name: "gateway", configuration: configuration, logger: logger) { figures }]
}
