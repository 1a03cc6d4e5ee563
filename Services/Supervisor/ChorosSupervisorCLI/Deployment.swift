import ChorosCore
import Foundation

/// First-run set-up and the facts `choros up` prints.
enum Deployment {
    /// The folder of this executable, where `swift build` also puts every daemon.
    static var binDirectory: String {
        let path =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return (path as NSString).deletingLastPathComponent
    }

    /// Resolves which data directory to use (`--data-dir`, else `CHOROS_DATA_DIR`, else
    /// `./choros-data`, made absolute so every daemon agrees) and, on first run, creates it
    /// with a `choros.toml` listing the defaults. `--config FILE` is used as given.
    static func prepare(_ options: DaemonOptions) throws -> DaemonOptions {
        guard options.configurationFile == nil else { return options }
        var options = options.withDefaultDataDirectory
        let directory = URL(fileURLWithPath: options.dataDirectory ?? "./choros-data").standardizedFileURL.path
        options.dataDirectory = directory
        try FileManager.default.createDirectory(
            atPath: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o750]
        )
        let file = directory + "/" + ChorosConfiguration.fileName
        if !FileManager.default.fileExists(atPath: file) {
            try Self.defaultConfiguration.write(toFile: file, atomically: true, encoding: .utf8)
        }
        return options
    }

    static func printWelcome(_ configuration: ChorosConfiguration) {
        print(
            """
            Choros \(ChorosVersion.current) — deployment "\(configuration.deploymentName)"
              data:    \(configuration.dataDirectory)
              gateway: \(configuration.socketPath(for: "gateway"))  (the only socket instances are given)
              logs:    \(configuration.dataDirectory)/logs/<daemon>.log   (choros logs NAME)
            Check it with `choros status`; stop it with Ctrl-C or `choros stop`.
            """
        )
    }

    static let defaultConfiguration = """
        # Choros configuration (flat TOML). CHOROS_<KEY> environment variables override it.
        # Every path defaults inside the directory holding this file.
        deployment_name = "choros"
        approvers = ["practitioner"]
        # canon_ref = "refs/heads/main"
        # seq_origin = 0
        # embed_backend = "none"        # none | hashed | openai-compatible (needs embed_url)
        # airlock_floor_s = 120
        # airlock_ceiling_s = 7200
        # op_freshness_s = 300
        # max_frame_bytes = 16777216
        log_level = "info"

        """
}
