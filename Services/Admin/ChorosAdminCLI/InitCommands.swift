import ArgumentParser
import ChorosCore
import ChorosPractitioner
import ChorosProto
import ChorosWire
import Foundation
import SwiftProtobuf

/// `choros-admin init`: the practitioner's key, the registry (practitioner and system) and
/// canon bootstrapped from a small orientation seed. Each part is skipped when it exists, so
/// running it again is harmless (`choros up` runs it on every start).
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the practitioner's key, enroll it and the system key, and bootstrap canon."
    )

    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let session = try AdminSession(self.options)
        let report = try await session.run { () async throws -> [String: String] in
            var report: [String: String] = [:]
            let keyPath = session.approverKeyPath("practitioner")
            let practitioner: SigningKey
            if FileManager.default.fileExists(atPath: keyPath) {
                practitioner = try SigningKey.load(from: keyPath)
                report["practitioner_key"] = "kept \(keyPath)"
            } else {
                practitioner = try SigningKey.generate()
                try practitioner.save(to: keyPath)
                report["practitioner_key"] = "created \(keyPath)"
            }
            let enrolled = try await session.registry()
            let client = try PractitionerClient(configuration: session.configuration)
            defer { Task { await client.close() } }
            if !enrolled.contains(where: { $0.author == practitioner.author }) {
                _ = try await client.changeRegistry(.instanceEnroll, name: "practitioner", author: practitioner.author)
                report["registry"] = "enrolled practitioner"
            }
            let system = try SigningKey.load(from: session.configuration.keysDirectory + "/system.key")
            if !enrolled.contains(where: { $0.author == system.author }) {
                _ = try await client.changeRegistry(.instanceEnroll, name: "system", author: system.author)
                report["system"] = "enrolled system"
            }
            if try await session.tip(session.configuration.canonRef) == nil {
                let canon = try await session.store.call(
                    StoreRPC.bootstrap,
                    .with {
                        $0.files = OrientationSeed.files(deployment: session.configuration.deploymentName)
                        $0.author = "practitioner"
                    }
                )
                _ = try? await session.index.call(
                    IndexRPC.reindex,
                    .init(),
                    options: CallOptions(timeout: .seconds(60))
                )
                report["canon"] = "bootstrapped at \(canon.canonOid)"
            } else {
                report["canon"] = "exists"
            }
            report["practitioner"] = practitioner.author.rawValue
            return report
        }
        if self.json {
            try printJSONObject(report)
        } else {
            for key in report.keys.sorted() { print("\(key): \(report[key] ?? "")") }
        }
    }
}

/// The orientation canon starts with: one entry per slot the gateway's `orientation` renders.
enum OrientationSeed {
    static func files(deployment: String) -> [Choros_V1_FileChange] {
        let slots: [(String, String, String)] = [
            (
                "welcome", "Welcome",
                "Welcome to \(deployment). Instances share knowledge here; the practitioner lands it into canon."
            ),
            (
                "orientation", "How this works",
                "Write to your perspective with kip_commit. Propose to canon with exactly one log entry (meta/log/<next seq>.md). When canon advances, canon_diff then sup_reconcile before proposing again."
            ),
            (
                "conduct", "Conduct",
                "Supersede, never edit. Attribute what you use. Record vantages honestly: confirmed only on your own entries."
            ),
        ]
        return slots.map { slot, title, body in
            .with {
                $0.path = "technical/orientation/\(slot).md"
                $0.content = Data("---\ntype: ori\ntitle: \(title)\n---\n\n\(body)\n".utf8)
            }
        }
    }
}
