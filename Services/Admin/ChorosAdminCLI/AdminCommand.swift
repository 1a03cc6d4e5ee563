import ArgumentParser
import ChorosBuildVersion
import ChorosCore
import ChorosProto
import ChorosWire
import Foundation

/// `choros-admin`: the practitioner's client (OPERATIONS.md). Output is readable by default
/// and JSON with `--json`; exit 0 done, 1 refused (the reason on stderr), 2 usage.
@main
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "choros-admin",
        abstract: "The practitioner's client for a Choros deployment.",
        version: chorosBuildVersion,
        subcommands: [
            Init.self, Instance.self, DaemonStatus.self, Proposals.self, Preview.self, Land.self, Verify.self,
            Anchor.self, Reconcile.self, Snapshot.self, Reindex.self, Backup.self, Mirror.self, Restore.self,
            TOTPProvision.self, TOTPCheck.self, Claim.self, Explain.self, InstallSystemd.self, Connector.self,
            Inbox.self, Close.self, CockpitLauncher.self,
        ]
    )

    /// Usage errors exit 2, as OPERATIONS.md says (ArgumentParser's own code is 64).
    static func main() async {
        do {
            var command = try Self.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if Self.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((Self.fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            Self.exit(withError: error)
        }
    }
}

struct DaemonStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask daemons' sockets for their health (works without the supervisor); exit 1 if one is down."
    )

    @Argument(help: "The daemons to ask (default: all five).")
    var names: [String] = []

    @OptionGroup var options: DaemonOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let configuration = try self.options.withDefaultDataDirectory.loadConfiguration()
        var report: [[String: String]] = []
        var isHealthy = true
        for name in self.names.isEmpty ? ["store", "audit", "index", "airlock", "gateway"] : self.names {
            let client = WireClient(socketPath: configuration.socketPath(for: name))
            let once = CallOptions(timeout: .seconds(2), isIdempotent: false)
            do {
                let health = try await client.call(HealthRPC.check, Choros_V1_HealthCheckRequest(), options: once)
                report.append([
                    "daemon": name, "state": "serving", "pid": String(health.pid), "version": health.version,
                ])
            } catch {
                isHealthy = false
                report.append(["daemon": name, "state": "unreachable", "error": "\(error)"])
            }
            await client.close()
        }
        if self.json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for row in report {
                print(
                    [row["daemon"], row["state"], row["pid"].map { "pid \($0)" }, row["error"]].compactMap { $0 }
                        .joined(separator: "  ")
                )
            }
        }
        if !isHealthy { throw ExitCode.failure }
    }
}
