internal import ChorosClients
package import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
package import Logging
package import ServiceLifecycle

/// The composition root of `choros-index`: the search projection (locked to this process)
/// serving `index.sock`.
package func makeIndexDaemon(configuration: ChorosConfiguration, logger: Logger) async throws -> [any Service] {
    let daemons = DaemonClients(socketPath: configuration.socketPath(for:))
    let index = try SearchIndex(
        configuration: configuration,
        store: daemons.store,
        audit: daemons.audit,
        embedder: makeEmbedder(configuration: configuration)
    )
    try await index.loadVectors()
    var router = RPCRouter(watching: [(configuration.indexDatabase as NSString).deletingLastPathComponent])
    index.register(on: &router)
    let figures: @Sendable () async -> [String: String] = {
        ["entries": String((try? await index.stats())?.entries ?? 0)]
    }
    let server = WireServer.daemon(
        name: "index",
        configuration: configuration,
        router: router,
        logger: logger,
        figures: figures,
        gauges: { numericFigures(await figures(), ["entries"]).mapKeys { "index_\($0)" } }
    )
    // An index that was down (or killed in an upsert) missed writes, a new database all of
    // them: every ref is caught up from its mark to the store's tip. Upserts arriving
    // meanwhile are safe: a ref's rows move only over the mark they were read from.
    let catchUp = StartupTask("catch-up", logger: logger) {
        let rows = try await index.catchUpAll()
        if rows > 0 { logger.notice("caught up with what the index missed", metadata: ["rows": "\(rows)"]) }
    }
    return [server, catchUp]
}
