import ArgumentParser
import ChorosCore
import ChorosPractitioner
import ChorosProto
import ChorosWire
import Foundation
import SwiftProtobuf

/// `choros-admin preview ID [--diff]`: everything CANON.md lists before a land, and with
/// `--diff` what each entry says against what canon holds (COCKPIT.md, "The terminal keeps up").
struct Preview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show what landing a proposal would do.")
    @Argument var proposal: String
    @Flag(help: "Also print each changed entry's line diff against canon (coloured on a terminal).") var diff = false
    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let session = try AdminSession(self.options)
        let (preview, changes) = try await session.practitioner { client in
            let preview = try await client.preview(self.proposal)
            return (preview, self.diff ? try await client.changes(preview) : [])
        }
        if self.json {
            guard self.diff else { return try printJSON(preview) }
            return try printJSONObject([
                "preview": try JSONSerialization.jsonObject(with: Data(try preview.jsonUTF8Data())),
                "changes": changes.map(DiffPrinter.json),
            ])
        }
        print(
            "proposal \(preview.proposalID) at \(preview.proposalOid.prefix(12)) onto canon \(preview.canonOid.prefix(12))"
        )
        print("authors: \(preview.authors.joined(separator: ", "))")
        for (label, paths) in [("added", preview.added), ("modified", preview.modified), ("removed", preview.removed)]
        where !paths.isEmpty {
            print("\(label): \(paths.joined(separator: ", "))")
        }
        if !preview.conflicts.isEmpty { print("CONFLICTS: \(preview.conflicts.joined(separator: ", "))") }
        if preview.wouldRemoveCanon { print("REFUSED: landing would remove canon paths") }
        print(
            "log entries: \(preview.logEntries.joined(separator: ", ")) (expected meta/log/\(preview.expectedSeq).md)"
        )
        print(preview.logEntryOk ? "log entry: ok" : "LOG ENTRY: \(preview.logProblem)")
        print(preview.candidateOid.isEmpty ? "nothing to approve" : "candidate: \(preview.candidateOid)")
        if self.diff { DiffPrinter(colour: isatty(STDOUT_FILENO) == 1).print(changes) }
    }
}

/// `choros-admin land ID [--by NAME]`: a console land, signed with the approver's key.
struct Land: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Land a proposal into canon (console channel); refuses what preview flags."
    )
    @Argument var proposal: String
    @Option(help: "The approver whose key signs (a configured approver).") var by = "practitioner"
    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let session = try AdminSession(self.options)
        let result = try await session.practitioner(self.by) { try await $0.land(self.proposal) }
        if self.json { return try printJSON(result) }
        print("landed \(result.proposalID) as \(result.tag) (::\(result.seq.uppercased())) at \(result.canonOid)")
        print("audit seq \(result.auditSeq), anchored at \(result.anchoredSeq), \(result.indexedPaths) paths indexed")
    }
}

/// `choros-admin proposals`: every proposal and its state.
struct Proposals: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List proposals: open, landed or closed.")
    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let session = try AdminSession(self.options)
        let rows = try await session.run { () async throws -> [[String: String]] in
            let prefix = "refs/cap/proposals/"
            var rows: [[String: String]] = []
            for ref in try await session.store.call(StoreRPC.listRefs, .with { $0.prefix = prefix }).refs {
                let subject =
                    try await session.store.call(
                        StoreRPC.history,
                        .with {
                            $0.rev = ref.oid
                            $0.limit = 1
                        }
                    ).entries.first?.subject ?? ""
                let landed = try await session.store.call(
                    StoreRPC.isAncestor,
                    .with {
                        $0.ancestor = ref.oid
                        $0.descendant = session.configuration.canonRef
                    }
                ).isAncestor
                let state = subject.hasPrefix("close: ") ? "closed" : landed ? "landed" : "open"
                rows.append(["proposal_id": String(ref.name.dropFirst(prefix.count)), "state": state, "tip": ref.oid])
            }
            return rows
        }
        if self.json { return try printJSONObject(["proposals": rows]) }
        for row in rows { print("\(row["proposal_id"] ?? "")  \(row["state"] ?? "")  \(row["tip"]?.prefix(12) ?? "")") }
    }
}
