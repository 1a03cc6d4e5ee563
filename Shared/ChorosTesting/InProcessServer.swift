internal import ChorosWire
package import Logging
package import ServiceLifecycle

/// Starts `services` in a `ServiceGroup`, runs `body`, and always shuts the group down
/// gracefully afterwards, whether `body` passed or threw (STYLE.md, 42).
package func withRunningServices<Result: Sendable>(
    _ services: [any Service],
    logger: Logger = Logger(label: "choros.test"),
    _ body: () async throws -> Result
) async throws -> Result {
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            logger: logger
        )
    )
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}
