internal import ChorosClients
package import ChorosCore
internal import ChorosWire
internal import Foundation
package import Logging
package import ServiceLifecycle

/// The composition root of `choros-audit`: the log (locked to this process) serving
/// `audit.sock`.
package func makeAuditDaemon(configuration: ChorosConfiguration, logger: Logger) async throws -> [any Service] {
    let log = try AuditLog(
        configuration: configuration,
        store: StoreClient(WireClient(socketPath: configuration.socketPath(for: "store")))
    )
    var router = RPCRouter(watching: [(configuration.auditDatabase as NSString).deletingLastPathComponent])
    log.register(on: &router)
    let figures: @Sendable () async -> [String: String] = {
        let head = try? await log.head()
        return [
            "events": String(head?.seq ?? 0), "head": String(head?.hash.prefix(16) ?? ""),
            "appends_per_transaction": String(format: "%.2f", log.database.appends.meanBatchSize),
        ]
    }
    let server = WireServer.daemon(
        name: "audit",
        configuration: configuration,
        router: router,
        logger: logger,
        figures: figures,
        gauges: { numericFigures(await figures(), ["events", "appends_per_transaction"]) }
    )
    return [server]
}
