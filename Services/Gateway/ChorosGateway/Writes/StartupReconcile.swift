internal import ChorosClients
internal import ChorosProto
internal import ChorosWire
internal import Logging
internal import ServiceLifecycle

/// A gateway that died between a commit and its audit append left the act in git alone. At
/// start the gateway has the audit log backfill every such commit (with the envelope the commit
/// carries), retrying until the store and the audit log answer, then stays out of the way.
/// Audit appends are idempotent by (op id, ref), so a retry racing this cannot record twice.
struct StartupReconcile: Service {
    let audit: AuditClient
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let result = try await self.audit.call(
                    AuditRPC.reconcile,
                    .init(),
                    options: CallOptions(timeout: .seconds(600))
                )
                if !result.appended.isEmpty {
                    self.logger.notice(
                        "backfilled commits that had no audit event",
                        metadata: ["count": "\(result.appended.count)"]
                    )
                }
                break
            } catch {
                self.logger.debug("startup reconcile waits for the audit log", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
        // A service that returns ends its group: stay until the daemon shuts down.
        try? await gracefulShutdown()
    }
}
