package import ChorosCore
internal import ChorosProto
internal import ChorosWire
package import Logging
package import ServiceLifecycle

/// The composition root of `choros up`: the supervisor and its control socket.
///
/// The supervisor ending (after Stop) shuts the group down gracefully, so the Stop call is
/// answered before `supervisor.sock` closes.
package func makeSupervisorDaemon(
    configuration: ChorosConfiguration,
    supervisorConfiguration: SupervisorConfiguration,
    logger: Logger
) -> [ServiceGroupConfiguration.ServiceConfiguration] {
    let supervisor = Supervisor(configuration: supervisorConfiguration, logger: logger)
    var router = RPCRouter()
    router.register(SupervisorRPC.status) { _, _ in await supervisor.status() }
    router.register(SupervisorRPC.restart) { request, _ in
        try await supervisor.restart(request.name)
        var response = Choros_V1_SupervisorRestartResponse()
        if let status = await supervisor.status().daemons.first(where: { $0.name == request.name }) {
            response.daemon = status
        }
        return response
    }
    router.register(SupervisorRPC.stop) { _, _ in
        await supervisor.stop()
        return Choros_V1_SupervisorStopResponse()
    }
    let server = WireServer.daemon(
        name: "supervisor",
        configuration: configuration,
        router: router,
        access: configuration.supervisorSocketAccess,
        logger: logger
    )
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server)]
    if let address = configuration.metricsAddress {
        let sockets = Dictionary(
            uniqueKeysWithValues: supervisorConfiguration.daemonNames.map {
                ($0, supervisorConfiguration.socketPath(for: $0))
            }
        )
        services.append(
            .init(
                service: MetricsEndpoint(host: address.host, port: address.port, daemonSockets: sockets, logger: logger)
            )
        )
    }
    return services + [.init(service: supervisor, successTerminationBehavior: .gracefullyShutdownGroup)]
}
