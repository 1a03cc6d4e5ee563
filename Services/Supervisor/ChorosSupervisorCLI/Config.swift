import ArgumentParser
import ChorosCore
import Foundation

struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Configuration commands.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration and print it resolved; exit 78 with every bad key otherwise."
        )

        @OptionGroup var options: ControlOptions

        func run() async throws {
            let configuration: ChorosConfiguration
            do {
                configuration = try self.options.loadConfiguration()
            } catch {
                FileHandle.standardError.write(Data("choros config check: \(error)\n".utf8))
                throw ExitCode(DaemonRunner.configurationExitCode)
            }
            let entries = configuration.resolvedEntries
            if self.options.json {
                let object = Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.value) })
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("configuration file: \(configuration.configurationFile ?? "none (defaults and CHOROS_* only)")")
                for (key, value) in entries { print("\(key) = \(value)") }
            }
            for warning in Self.warnings(configuration) {
                FileHandle.standardError.write(Data("choros config check: warning: \(warning)\n".utf8))
            }
        }

        /// What the configuration allows that a practitioner should know (TRUST.md).
        static func warnings(_ configuration: ChorosConfiguration) -> [String] {
            let shared = configuration.keysDirectory + "/instances"
            let keys = ((try? FileManager.default.contentsOfDirectory(atPath: shared)) ?? []).filter {
                $0.hasSuffix(".key")
            }
            guard !keys.isEmpty else { return [] }
            return [
                "single-user mode: \(keys.count) instance key(s) in \(shared) are held by the practitioner's uid; "
                    + "an instance running as that uid can read practitioner.key and the TOTP secret and reach "
                    + "admin.sock. Give each instance its own user: choros-admin instance add NAME --user UNIXUSER"
            ]
        }
    }
}
