package import Logging
internal import ServiceLifecycle

/// Work a daemon does once as it starts, as soon as the daemons it needs answer: retried each
/// second until it completes (a daemon may start before those it calls), then out of the way
/// until shutdown, since a service that returns would end its group.
package struct StartupTask: Service {
    let name: String
    let logger: Logger
    let work: @Sendable () async throws -> Void

    package init(_ name: String, logger: Logger, work: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.logger = logger
        self.work = work
    }

    package func run() async throws {
        var attempts = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await self.work()
                break
            } catch {
                attempts += 1
                // The first failure is worth seeing; the waiting after it is not.
                let level: Logger.Level = attempts == 1 ? .info : .debug
                self.logger.log(level: level, "\(self.name) waits", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
        try? await gracefulShutdown()
    }
}
