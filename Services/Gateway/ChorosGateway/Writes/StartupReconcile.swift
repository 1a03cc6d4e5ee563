internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Logging

/// A gateway that died between a commit and its audit append left the act in git alone. At
/// start the gateway has the audit log backfill every such commit (with the envelope the commit
/// carries), once the store and the audit log answer. Audit appends are idempotent by (op id,
/// ref), so a retry racing this cannot record twice.
func startupReconcile(audit: AuditClient, logger: Logger) -> StartupTask {
    StartupTask("startup reconcile", logger: logger) {
        let result = try await audit.call(AuditRPC.reconcile, .init(), options: CallOptions(timeout: .seconds(600)))
        if !result.appended.isEmpty {
            logger.notice("backfilled commits that had no audit event", metadata: ["count": "\(result.appended.count)"])
        }
    }
}
