internal import ChorosProto
internal import ChorosWire
internal import Logging
internal import ServiceLifecycle

/// An index that was down (or killed in an upsert) missed writes; a new database missed all
/// of them. At start it catches every ref up from its mark to the store's tip, retrying only
/// until the store answers, then stays out of the way. Upserts arriving meanwhile are safe:
/// each ref's rows move only over the mark they were read from.
struct StartupCatchUp: Service {
    let index: SearchIndex
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let rows = try await self.index.catchUpAll()
                if rows > 0 {
                    self.logger.notice("caught up with what the index missed", metadata: ["rows": "\(rows)"])
                }
                break
            } catch let error as RPCError where error.code == .unavailable {
                self.logger.debug("catch-up waits for the store", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            } catch {
                self.logger.error("catch-up failed; reindex rebuilds the index", metadata: ["error": "\(error)"])
                break
            }
        }
        // A service that returns ends its group: stay until the daemon shuts down.
        try? await gracefulShutdown()
    }
}
