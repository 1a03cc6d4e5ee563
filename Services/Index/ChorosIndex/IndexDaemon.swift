package import ChorosCore
internal import ChorosWire
package import Logging
package import ServiceLifecycle

/// The composition root of `choros-index`: serves `index.sock`. Its RPCs arrive with issue #6;
/// today it serves Health.
package func makeIndexDaemon(configuration: ChorosConfiguration, logger: Logger) async throws -> [any Service] {
    let figures = ["index_db": configuration.indexDatabase]
    return [WireServer.daemon(name: "index", configuration: configuration, logger: logger) { figures }]
}
