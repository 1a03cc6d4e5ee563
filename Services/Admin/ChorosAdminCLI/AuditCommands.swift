import ArgumentParser
import ChorosCore
import ChorosProto
import ChorosWire
import Foundation
import SwiftProtobuf

/// The practitioner's audit commands: each one call to `audit.sock`; exit 0 done, 1 refused.
struct AuditClient {
    let client: WireClient

    init(options: DaemonOptions) throws {
        self.client = WireClient(
            socketPath: try options.withDefaultDataDirectory.loadConfiguration().socketPath(for: "audit")
        )
    }

    func run<Response>(_ body: (WireClient) async throws -> Response) async throws -> Response {
        do {
            let response = try await body(self.client)
            await self.client.close()
            return response
        } catch let error as RPCError {
            await self.client.close()
            FileHandle.standardError.write(Data("choros-admin: \(error.message)\n".utf8))
            throw ExitCode.failure
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify the audit chain (and every envelope) against the anchor."
    )

    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let report = try await AuditClient(options: self.options).run {
            try await $0.call(
                AuditRPC.verify,
                .with { $0.checkEnvelopes = true },
                options: CallOptions(timeout: .seconds(600))
            )
        }
        if self.json {
            try printJSON(report)
        } else {
            print(
                report.ok ? "ok: \(report.count) events chain" : "FAILED at seq \(report.firstBadSeq): \(report.reason)"
            )
            print("anchor: \(report.anchor) (seq \(report.anchoredSeq))")
        }
        if !report.ok { throw ExitCode.failure }
    }
}

struct Anchor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Anchor the audit head into git now.")

    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let anchor = try await AuditClient(options: self.options).run { try await $0.call(AuditRPC.anchor, .init()) }
        if self.json { try printJSON(anchor) } else { print("anchored seq \(anchor.seq) at \(anchor.commitOid)") }
    }
}

struct Reconcile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Backfill audit events for commits that have none.")

    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let result = try await AuditClient(options: self.options).run {
            try await $0.call(AuditRPC.reconcile, .init(), options: CallOptions(timeout: .seconds(600)))
        }
        if self.json {
            try printJSON(result)
        } else {
            print("checked \(result.commitsChecked) commits, backfilled \(result.appended.count)")
        }
    }
}

struct Snapshot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a consistent copy of the audit log (safe while serving)."
    )

    @Argument(help: "The file to write.") var path: String
    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let target = URL(fileURLWithPath: self.path).standardizedFileURL.path
        let result = try await AuditClient(options: self.options).run {
            try await $0.call(
                AuditRPC.snapshot,
                .with { $0.path = target },
                options: CallOptions(timeout: .seconds(600))
            )
        }
        if self.json { try printJSON(result) } else { print("snapshot of \(result.seq) events at \(result.path)") }
    }
}
