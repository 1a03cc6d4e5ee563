package import ChorosCore
internal import ChorosWire
package import Logging
package import ServiceLifecycle

/// The composition root of `choros-store`: the git store (locked to this process, its op-id
/// index caught up) serving `store.sock`.
package func makeStoreDaemon(configuration: ChorosConfiguration, logger: Logger) async throws -> [any Service] {
    let store = try GitStore(configuration: try StoreConfiguration(configuration))
    for lock in store.clearedLocks {
        logger.warning("removed a stale ref lock a killed store left", metadata: ["lock": "\(lock)"])
    }
    var router = RPCRouter(watching: [configuration.gitDirectory])
    store.register(on: &router)
    let server = WireServer.daemon(
        name: "store",
        configuration: configuration,
        router: router,
        logger: logger,
        figures: { await store.figures() },
        gauges: { numericFigures(await store.figures(), ["refs", "op_index", "commits_per_turn"]) }
    )
    return [StoreLifecycle(store: store), server]
}

/// Closes the repository pools after the server has stopped (services stop in reverse order).
struct StoreLifecycle: Service {
    let store: GitStore

    func run() async throws {
        try? await gracefulShutdown()
        await self.store.shutdown()
    }
}
