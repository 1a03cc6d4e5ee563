import ArgumentParser
import ChorosCore
import ChorosProto
import ChorosWire
import Foundation
import SwiftProtobuf

/// `choros-admin restore SRC`: a new data directory from a backup directory or a mirror:
/// fetch every ref, put back the audit log and the secrets, verify the chain and the anchor,
/// rebuild the index, report. It runs the store, audit and index daemons itself for the
/// duration, so moving machines is this one command (then `choros up`).
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild a fresh data directory (--data-dir) from a backup directory or a mirror."
    )
    @Argument(help: "A backup directory (from `backup`) or a git remote (from `mirror`).") var source: String
    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let progress = Progress(json: self.json)
        let options = self.options.withDefaultDataDirectory
        let dataDirectory = URL(fileURLWithPath: options.dataDirectory ?? "choros-data").standardizedFileURL.path
        let backup = URL(fileURLWithPath: self.source).standardizedFileURL.path
        let isBackupDirectory = FileManager.default.fileExists(atPath: backup + "/repo.git")
        let report: [String: Any]
        do {
            try self.writeConfiguration(into: dataDirectory, from: isBackupDirectory ? backup : nil)
            let configuration = try options.loadConfiguration()
            guard !FileManager.default.fileExists(atPath: configuration.gitDirectory) else {
                throw AdminFailure("\(configuration.gitDirectory) exists: restore only into a fresh data directory")
            }
            if isBackupDirectory {
                progress.step("restoring the secrets and the audit log")
                try self.restoreSecrets(from: backup + "/keys", into: configuration)
                try Backup.copy(backup + "/audit.sqlite", to: configuration.auditDatabase, mode: 0o600)
            }
            report = try await Daemons.running(["store"], configuration: configuration) { clients in
                progress.step("fetching every ref")
                let fetched = try await clients["store"]!.call(
                    StoreRPC.fetch,
                    .with { $0.remote = isBackupDirectory ? backup + "/repo.git" : self.source },
                    options: CallOptions(timeout: .seconds(3600))
                )
                _ = try await clients["store"]!.call(
                    StoreRPC.promote,
                    .init(),
                    options: CallOptions(timeout: .seconds(600))
                )
                if !isBackupDirectory {
                    let blob = try await clients["store"]!.call(
                        StoreRPC.readBlob,
                        .with {
                            $0.rev = Mirror.auditRef
                            $0.path = "audit.sqlite"
                        }
                    )
                    try FileManager.default.createDirectory(
                        atPath: (configuration.auditDatabase as NSString).deletingLastPathComponent,
                        withIntermediateDirectories: true
                    )
                    try blob.content.write(to: URL(fileURLWithPath: configuration.auditDatabase))
                }
                return try await Daemons.running(["audit", "index"], configuration: configuration) { more in
                    progress.step("verifying the audit chain and its anchor")
                    let verified = try await more["audit"]!.call(
                        AuditRPC.verify,
                        .with { $0.checkEnvelopes = true },
                        options: CallOptions(timeout: .seconds(3600))
                    )
                    guard verified.ok, verified.anchor != .mismatch else {
                        throw AdminFailure(
                            "the restored audit log does not verify: \(verified.reason) (anchor \(verified.anchor))"
                        )
                    }
                    progress.step("rebuilding the index")
                    let reindexed = try await more["index"]!.call(
                        IndexRPC.reindex,
                        .init(),
                        options: CallOptions(timeout: .seconds(3600))
                    )
                    return [
                        "refs": fetched.updated.count, "audit_events": verified.count,
                        "anchor": verified.anchor == .matches ? "matches" : "none",
                        "indexed_entries": reindexed.entries, "data_dir": dataDirectory,
                    ]
                }
            }
        } catch let failure as AdminFailure {
            FileHandle.standardError.write(Data("choros-admin: \(failure.message)\n".utf8))
            throw ExitCode.failure
        } catch let error as RPCError {
            FileHandle.standardError.write(Data("choros-admin: \(error.message)\n".utf8))
            throw ExitCode.failure
        }
        if self.json { return try printJSONObject(report) }
        print(
            "restored \(report["refs"] ?? 0) refs, \(report["audit_events"] ?? 0) audit events (anchor \(report["anchor"] ?? "")), \(report["indexed_entries"] ?? 0) index entries into \(dataDirectory)"
        )
    }

    /// The backup's config with `data_dir` pointing here, or a minimal one.
    private func writeConfiguration(into dataDirectory: String, from backup: String?) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let path = dataDirectory + "/choros.toml"
        guard !FileManager.default.fileExists(atPath: path) else { return }
        var lines = ["data_dir = \"\(dataDirectory)\""]
        if let backup, let text = try? String(contentsOfFile: backup + "/choros.toml", encoding: .utf8) {
            lines += text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("data_dir") }
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func restoreSecrets(from directory: String, into configuration: ChorosConfiguration) throws {
        for relative in (FileManager.default.subpaths(atPath: directory) ?? []).sorted() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory + "/" + relative, isDirectory: &isDirectory),
                !isDirectory.boolValue
            else { continue }
            let target =
                relative == "airlock.totp"
                ? configuration.airlockSecretPath : configuration.keysDirectory + "/" + relative
            try Backup.copy(directory + "/" + relative, to: target, mode: 0o600)
        }
    }
}

/// Daemons an admin command runs for itself (restore), from the folder holding choros-admin.
enum Daemons {
    static func running<Result>(
        _ names: [String],
        configuration: ChorosConfiguration,
        _ body: ([String: WireClient]) async throws -> Result
    ) async throws -> Result {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let folder = (executable as NSString).deletingLastPathComponent
        var processes: [Process] = []
        var clients: [String: WireClient] = [:]
        defer {
            for process in processes where process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }
        for name in names {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: folder + "/choros-\(name)")
            process.arguments = ["--data-dir", configuration.dataDirectory]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.standardError
            try process.run()
            processes.append(process)
            let client = WireClient(socketPath: configuration.socketPath(for: name))
            _ = try await client.call(HealthRPC.check, .init(), options: CallOptions(timeout: .seconds(30)))
            clients[name] = client
        }
        let result = try await body(clients)
        for client in clients.values { await client.close() }
        return result
    }
}
