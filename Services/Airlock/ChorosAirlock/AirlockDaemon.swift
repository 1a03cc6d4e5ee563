package import ChorosCore
internal import ChorosWire
package import Logging
package import ServiceLifecycle

/// The composition root of `choros-airlock`: serves `airlock.sock`. Its RPCs arrive with issue #8;
/// today it serves Health.
package func makeAirlockDaemon(configuration: ChorosConfiguration, logger: Logger) async throws -> [any Service] {
    let figures = ["airlock_secret_path": configuration.airlockSecretPath]
    return [WireServer.daemon(name: "airlock", configuration: configuration, logger: logger) { figures }]
}
