package import ChorosClients
package import ChorosCore
internal import ChorosProto
package import ChorosWire
package import Logging
package import ServiceLifecycle
internal import SwiftProtobuf

/// The composition root of `choros-gateway`: serves `gateway.sock`, calling the store, audit,
/// index and airlock daemons on their sockets (through `daemons` when a test holds them).
package func makeGatewayDaemon(
    configuration: ChorosConfiguration,
    logger: Logger,
    daemons: DaemonClients? = nil
) async throws -> [any Service] {
    let daemons = daemons ?? DaemonClients(socketPath: configuration.socketPath(for:))
    let gateway = try Gateway(daemons: daemons, configuration: configuration, logger: logger)
    var router = RPCRouter()
    gateway.register(on: &router)
    let figures = ["deployment": configuration.deploymentName, "tools": String(Gateway.tools.count)]
    return [
        startupReconcile(audit: daemons.audit, logger: logger),
        WireServer.daemon(
            name: "gateway",
            configuration: configuration,
            router: router,
            access: configuration.instanceSocketAccess,
            limits: ConnectionLimits(
                maximumPerUID: configuration.maximumConnectionsPerUID,
                establishDeadline: .seconds(configuration.handshakeDeadlineSeconds),
                idleTimeout: .seconds(configuration.idleTimeoutSeconds)
            ),
            logger: logger
        ) { figures },
    ]
}

extension Gateway {
    package func register(on router: inout RPCRouter) {
        router.register(GatewayRPC.hello) { request, context in
            try await self.handshakeStep("Hello", context) { try await self.hello(request, context: context) }
        }
        router.register(GatewayRPC.prove) { request, context in
            try await self.handshakeStep("Prove", context) { try await self.prove(request, context: context) }
        }
        router.register(GatewayRPC.listTools) { _, context in
            try await self.serve(tool: "ListTools", context: context) { _ in
                .with { $0.tools = Self.tools.map(\.definition) }
            }
        }
        router.register(GatewayRPC.callTool) { request, context in
            guard let tool = Self.toolsByName[request.name] else {
                let refusal = Refusal(.input, .notFound, "no tool named '\(request.name.prefix(80))'")
                await self.recordDenial(refusal, tool: "CallTool", actor: "unknown", peer: context.peer)
                throw refusal
            }
            let json = try await tool.callJSON(self, request, context)
            return .with { $0.resultJson = json }
        }
        for tool in Self.tools { tool.register(self, &router) }
    }

    /// Handshake refusals are audited too: a wrong key knocking is worth knowing about.
    private func handshakeStep<Result: Sendable>(
        _ step: String,
        _ context: RPCContext,
        _ body: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await body()
        } catch let refusal as Refusal {
            await self.recordDenial(refusal, tool: step, actor: "unbound", peer: context.peer)
            throw refusal
        }
    }
}
