package import ChorosCore
internal import ChorosWire
package import Logging
package import ServiceLifecycle

/// The composition root of `choros-store`: opens (or creates) the bare repository and serves
/// `store.sock`. The store RPCs of STORE.md arrive with issue #3; today it serves Health.
package func makeStoreDaemon(configuration: ChorosConfiguration, logger: Logger) async throws -> [any Service] {
    let repository = try GitRepository.openOrCreate(at: configuration.gitDirectory, canonRef: configuration.canonRef)
    let figures: [String: String] = [
        "git_dir": repository.path,
        "libgit2": GitLibrary.version,
        "bare": String(repository.isBare),
    ]
    return [WireServer.daemon(name: "store", configuration: configuration, logger: logger) { figures }]
}
