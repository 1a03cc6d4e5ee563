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
        }
    }
}
