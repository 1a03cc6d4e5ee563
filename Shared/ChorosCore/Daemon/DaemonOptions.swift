package import ArgumentParser

/// The options every Choros executable accepts to find its configuration.
package struct DaemonOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "The choros.toml to read.")
    package var configurationFile: String?

    @Option(name: .customLong("data-dir"), help: "The data directory (its choros.toml is read when present).")
    package var dataDirectory: String?

    package init() {}

    /// Loads the configuration these options point at (see `ChorosConfiguration.load`).
    package func loadConfiguration() throws -> ChorosConfiguration {
        try ChorosConfiguration.load(file: self.configurationFile, dataDirectory: self.dataDirectory)
    }
}
