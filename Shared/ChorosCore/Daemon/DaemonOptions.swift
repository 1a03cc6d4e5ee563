package import ArgumentParser
internal import Foundation

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

    /// These options, with the data directory every command line defaults to when neither
    /// `--config` nor `--data-dir` is given: `CHOROS_DATA_DIR`, else `./choros-data`.
    package var withDefaultDataDirectory: DaemonOptions {
        guard self.configurationFile == nil, self.dataDirectory == nil else { return self }
        var options = self
        options.dataDirectory = ProcessInfo.processInfo.environment["CHOROS_DATA_DIR"] ?? "./choros-data"
        return options
    }
}
