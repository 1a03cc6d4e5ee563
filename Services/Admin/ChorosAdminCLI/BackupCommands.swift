import ArgumentParser
import ChorosCore
import ChorosProto
import ChorosWire
import Foundation
import SwiftProtobuf

/// Step lines on a terminal for the long commands; nothing when piped or with `--json`.
struct Progress {
    let isShown: Bool

    init(json: Bool) { self.isShown = !json && isatty(STDERR_FILENO) == 1 }

    func step(_ text: String) {
        if self.isShown { FileHandle.standardError.write(Data("… \(text)\n".utf8)) }
    }
}

/// `choros-admin backup DEST` (OPERATIONS.md): a verified bare git mirror, a consistent audit
/// snapshot, the config and the secrets (0600). Repeatable: the push is incremental.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up git (verified ref by ref), the audit log, the config and the secrets to DEST."
    )
    @Argument(help: "A directory (created 0700).") var destination: String
    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let session = try AdminSession(self.options)
        let progress = Progress(json: self.json)
        let destination = URL(fileURLWithPath: self.destination).standardizedFileURL.path
        let report = try await session.run { () async throws -> [String: Any] in
            try FileManager.default.createDirectory(
                atPath: destination,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
            progress.step("pushing every ref to \(destination)/repo.git")
            let sync = try await session.store.call(
                StoreRPC.pushAll,
                .with { $0.remote = destination + "/repo.git" },
                options: CallOptions(timeout: .seconds(3600))
            )
            guard sync.ok else {
                throw AdminFailure(
                    "mirror did not verify: missing \(sync.missingOnRemote), mismatched \(sync.oidMismatch)"
                )
            }
            progress.step("snapshotting the audit log")
            // The audit daemon never overwrites a file: a new name, then the swap is ours.
            let fresh = destination + "/audit.sqlite.\(UUID().uuidString.prefix(8))"
            let snapshot = try await session.audit.call(
                AuditRPC.snapshot,
                .with { $0.path = fresh },
                options: CallOptions(timeout: .seconds(3600))
            )
            guard rename(fresh, destination + "/audit.sqlite") == 0 else {
                throw AdminFailure("cannot move the snapshot into place: \(String(cString: strerror(errno)))")
            }
            progress.step("copying the config and the secrets")
            if let file = session.configuration.configurationFile {
                try Self.copy(file, to: destination + "/choros.toml", mode: 0o600)
            }
            let keys = try Self.copySecrets(session.configuration, to: destination + "/keys")
            return ["refs": sync.synced.count, "audit_seq": snapshot.seq, "secrets": keys, "destination": destination]
        }
        if self.json { return try printJSONObject(report) }
        print(
            "backed up \(report["refs"] ?? 0) refs (verified), the audit log to seq \(report["audit_seq"] ?? 0), and \((report["secrets"] as? [String])?.count ?? 0) secret files to \(destination)"
        )
    }

    /// The keys directory (practitioner, system, instances) and the TOTP secret, each 0600.
    static func copySecrets(_ configuration: ChorosConfiguration, to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(
            atPath: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        var copied: [String] = []
        let keys = configuration.keysDirectory
        for relative in (FileManager.default.subpaths(atPath: keys) ?? []).sorted() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: keys + "/" + relative, isDirectory: &isDirectory),
                !isDirectory.boolValue
            else { continue }
            try Self.copy(keys + "/" + relative, to: directory + "/" + relative, mode: 0o600)
            copied.append(relative)
        }
        let secret = configuration.airlockSecretPath
        if !secret.hasPrefix(keys + "/"), FileManager.default.fileExists(atPath: secret) {
            try Self.copy(secret, to: directory + "/airlock.totp", mode: 0o600)
            copied.append("airlock.totp")
        }
        return copied
    }

    static func copy(_ source: String, to destination: String, mode: Int) throws {
        try FileManager.default.createDirectory(
            atPath: (destination as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        if FileManager.default.fileExists(atPath: destination) {
            try FileManager.default.removeItem(atPath: destination)
        }
        try FileManager.default.copyItem(atPath: source, toPath: destination)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: destination)
    }
}

/// `choros-admin mirror URL`: every ref plus the audit snapshot on `refs/backup/audit`, pushed
/// and verified. No secret leaves the machine.
struct Mirror: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Push every ref and an audit snapshot (refs/backup/audit) to a git remote; no secrets."
    )
    @Argument(help: "A git remote: a path or URL.") var remote: String
    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    static let auditRef = "refs/backup/audit"

    /// The first of `backup_dirs`, created 0700 when missing.
    static func scratchDirectory(_ configuration: ChorosConfiguration) throws -> String {
        guard let directory = configuration.backupDirectories.first else {
            throw AdminFailure("backup_dirs is empty: name a directory the audit log may snapshot into")
        }
        try FileManager.default.createDirectory(
            atPath: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        return directory
    }

    func run() async throws {
        let session = try AdminSession(self.options)
        let progress = Progress(json: self.json)
        let report = try await session.run { () async throws -> Choros_V1_SyncReport in
            progress.step("snapshotting the audit log into \(Self.auditRef)")
            // The audit daemon writes snapshots only under backup_dirs (TRUST.md).
            let scratch = try Self.scratchDirectory(session.configuration)
            let temporary = scratch + "/choros-mirror-\(getpid())-\(UUID().uuidString.prefix(8)).sqlite"
            defer { try? FileManager.default.removeItem(atPath: temporary) }
            let snapshot = try await session.audit.call(
                AuditRPC.snapshot,
                .with { $0.path = temporary },
                options: CallOptions(timeout: .seconds(3600))
            )
            let content = try Data(contentsOf: URL(fileURLWithPath: temporary))
            let parent = try await session.tip(Self.auditRef) ?? ""
            let changes: [Choros_V1_FileChange] = [
                .with {
                    $0.path = "audit.sqlite"
                    $0.content = content
                }
            ]
            let op = try SystemCommit.sign(
                ref: Self.auditRef,
                changes: changes,
                key: try session.approverKey(),
                deployment: try session.configuration.deploymentID()
            )
            _ = try await session.store.call(
                StoreRPC.commit,
                .with {
                    $0.ref = Self.auditRef
                    $0.op = op
                    $0.changes = changes
                    $0.subject = "audit snapshot @ seq \(snapshot.seq)"
                    $0.author = "system"
                    $0.expectedParent = parent
                },
                options: CallOptions(timeout: .seconds(600))
            )
            progress.step("pushing every ref to \(self.remote)")
            return try await session.store.call(
                StoreRPC.pushAll,
                .with { $0.remote = self.remote },
                options: CallOptions(timeout: .seconds(3600))
            )
        }
        if self.json {
            try printJSON(report)
        } else {
            print(
                report.ok
                    ? "mirrored and verified \(report.synced.count) refs"
                    : "NOT VERIFIED: missing \(report.missingOnRemote), mismatched \(report.oidMismatch)"
            )
        }
        if !report.ok { throw ExitCode.failure }
    }
}
