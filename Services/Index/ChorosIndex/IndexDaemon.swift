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
    let server = WireServer.daemon(name: "index", configuration: configuration, router: router, logger: logger) {
        let stats = try? await index.stats()
        return ["entries": String(stats?.entries ?? 0)]
    }
    return [server, StartupCatchUp(index: index, logger: logger)]
}
