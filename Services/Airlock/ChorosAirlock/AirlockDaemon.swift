internal import ChorosClients
package import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
package import Logging
package import ServiceLifecycle
internal import SwiftProtobuf

/// The composition root of `choros-airlock`: serves `airlock.sock` (the gateway's relays) and
/// `admin.sock` (the practitioner's uid only: previews, console lands, enrollment), and
/// finishes any land a crash interrupted as soon as the store and audit log answer.
package func makeAirlockDaemon(configuration: ChorosConfiguration, logger: Logger) async throws -> [any Service] {
    let daemons = DaemonClients(socketPath: configuration.socketPath(for:))
    let lander = Lander(daemons: daemons, configuration: configuration, logger: logger)
    let gate = AirlockGate(daemons: daemons, configuration: configuration, lander: lander, logger: logger)
    let keeper = RegistryKeeper(daemons: daemons, configuration: configuration)

    var airlock = RPCRouter()
    airlock.register(AirlockRPC.stage) { request, _ in try await gate.stage(request) }
    airlock.register(AirlockRPC.land) { request, _ in try await gate.land(request) }
    airlock.register(AirlockRPC.revert) { request, _ in try await gate.revert(request) }
    airlock.register(AirlockRPC.stagedState) { request, _ in try await gate.stagedState(request.proposalID) }
    let desk = ConnectorDesk(daemons: daemons, configuration: configuration, keeper: keeper, gate: gate)
    airlock.register(ConnectorRPC.approve) { request, _ in try await desk.approve(byCode: request) }
    airlock.register(ConnectorRPC.event) { request, _ in try await desk.record(request, actor: ConnectorEvent.door) }

    // admin.sock admits the practitioner's uid alone (SocketAccess.practitioner), so these
    // handlers never see another peer.
    var admin = RPCRouter()
    admin.register(AdminRPC.preview) { request, _ in try await lander.preview(request.proposalID) }
    admin.register(AdminRPC.land) { request, _ in
        try await lander.landConsole(request.approval, now: Int64(Date().timeIntervalSince1970 * 1000))
    }
    for method in [AdminRPC.enroll, AdminRPC.revoke] {
        admin.register(method) { request, _ in
            try await keeper.change(request.op, now: Int64(Date().timeIntervalSince1970 * 1000))
        }
    }
    let judge = ClaimJudge(daemons: daemons, configuration: configuration, logger: logger)
    admin.register(AdminRPC.claimJudge) { request, _ in try await judge.judge(request.op) }
    admin.register(AdminRPC.cascadeRun) { request, _ in try await judge.runCascade(cause: request.cause) }
    admin.register(AdminRPC.staged) { _, _ in
        let staged = try await gate.stagedProposals()
        return .with { $0.staged = staged }
    }
    admin.register(ConnectorRPC.consoleApprove) { request, _ in try await desk.approve(atConsole: request) }
    admin.register(ConnectorRPC.consoleEvent) { request, _ in try await desk.record(request, actor: "practitioner") }
    let figures = ["airlock_secret_path": configuration.airlockSecretPath]
    return [
        LandRecovery(lander: lander, logger: logger),
        WireServer.daemon(name: "airlock", configuration: configuration, router: airlock, logger: logger) { figures },
        WireServer.daemon(
            name: "airlock",
            configuration: configuration,
            router: admin,
            socketName: "admin",
            access: configuration.adminSocketAccess,
            logger: logger
        ),
    ]
}

/// Finishes an interrupted land at start, retrying until the store and the audit log answer
/// (the airlock itself starts without them, so it can run and be tested alone).
struct LandRecovery: Service {
    let lander: Lander
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await self.lander.recover()
                break
            } catch {
                self.logger.debug("land recovery waits for the store and audit", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
        // A service that returns ends its group: stay until the daemon shuts down.
        try? await gracefulShutdown()
    }
}
