import ArgumentParser
import ChorosCore
import ChorosPractitioner
import ChorosProto
import ChorosWire
import Foundation
import SwiftProtobuf

/// `choros-admin claim refute|correct`: the practitioner's judgements of claims (CLAIMS.md).
struct Claim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refute or correct a claim; every claim derived from it is invalidated.",
        subcommands: [Refute.self, Correct.self, Cascade.self]
    )

    struct Refute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refute a claim (scope value or key).")
        @Argument(help: "The claim's op id.") var claim: String
        @Option(help: "Why it is wrong.") var reason: String
        @Option(help: "value: this value may not be asserted again; key: nothing may be believed under the key.")
        var scope = "value"
        @Option(help: "The approver whose key signs.") var by = "practitioner"
        @OptionGroup var options: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard ["value", "key"].contains(self.scope) else {
                throw ValidationError("--scope is 'value' or 'key', not '\(self.scope)'")
            }
        }

        func run() async throws {
            let session = try AdminSession(self.options)
            let result = try await session.practitioner(self.by) {
                try await $0.judge(self.claim, reason: self.reason, scope: self.scope)
            }
            try Claim.report(result, json: self.json)
        }
    }

    struct Correct: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Correct a claim: the corrected value becomes the belief under its key."
        )
        @Argument(help: "The claim's op id.") var claim: String
        @Option(help: "The corrected value, a JSON object.") var value: String
        @Option(help: "Why.") var reason: String
        @Option(help: "The approver whose key signs.") var by = "practitioner"
        @OptionGroup var options: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard let value = try? JSONParser.parse(Array(self.value.utf8)), value.objectValue != nil else {
                throw ValidationError("--value must be a JSON object of integers, strings, booleans (no floats)")
            }
            let session = try AdminSession(self.options)
            let result = try await session.practitioner(self.by) {
                try await $0.judge(self.claim, reason: self.reason, correctedValue: value)
            }
            try Claim.report(result, json: self.json)
        }
    }

    struct Cascade: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a refute's or correction's cascade again (emits only what is missing)."
        )
        @Argument(help: "The claim.refute or claim.correct op id.") var cause: String
        @OptionGroup var options: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let session = try AdminSession(self.options)
            let result = try await session.run {
                try await session.admin.call(
                    AdminRPC.cascadeRun,
                    .with { $0.cause = self.cause },
                    options: CallOptions(timeout: .seconds(600))
                )
            }
            try report(result, json: self.json)
        }
    }

    static func report(_ result: Choros_V1_ClaimJudgeResponse, json: Bool) throws {
        if json { return try printJSON(result) }
        print("\(result.replayed ? "already recorded" : "recorded") \(result.opID) against \(result.target)")
        print("\(result.invalidations.count) derived claims invalidated")
        for invalidation in result.invalidations.prefix(20) {
            print(
                "  \(invalidation.target) (\(invalidation.targetAuthor)): \(invalidation.path.joined(separator: " → "))"
            )
        }
        if result.invalidations.count > 20 {
            print("  … and \(result.invalidations.count - 20) more (--json lists all)")
        }
        if !result.messages.isEmpty { print("authors told: \(result.messages.joined(separator: ", "))") }
    }
}

/// `choros-admin explain CLAIM [--bundle FILE]`: why a claim is (or is no longer) believed.
struct Explain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain a claim back to evidence and entries; --bundle writes a file `choros verify-bundle` checks."
    )
    @Argument(help: "The claim's op id.") var claim: String
    @Option(help: "Write a verifiable explanation bundle to this file.") var bundle: String?
    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let session = try AdminSession(self.options)
        let explanation = try await session.run {
            let explanation = try await session.index.call(IndexRPC.claimExplain, .with { $0.claim = self.claim })
            if let path = self.bundle {
                let bundle = try await ExplanationBundle.build(
                    explanation: explanation,
                    audit: session.audit,
                    store: session.store
                )
                guard FileManager.default.createFile(atPath: path, contents: Data(bundle.canonicalBytes)) else {
                    throw AdminFailure("cannot write \(path)")
                }
            }
            return explanation
        }
        if self.json { return try printJSON(explanation) }
        let claim = explanation.claim
        print("\(claim.opID): \(claim.subject) \(claim.predicate) = \(claim.valueJson)")
        print("  by \(claim.author), \(claim.state)\(claim.inputSuperseded ? ", cites a superseded entry" : "")")
        if !explanation.cause.isEmpty {
            print(
                "  ended by \(explanation.cause)\(explanation.causePath.isEmpty ? "" : ", path: " + explanation.causePath.joined(separator: " → "))"
            )
        }
        for step in explanation.chain {
            let node = step.node
            let what =
                node.kind == "entry"
                ? node.entryPath : node.kind == "evidence" ? node.source : "\(node.subject) \(node.predicate)"
            print(
                "\(String(repeating: "  ", count: Int(step.depth)))\(node.kind) \(node.opID) \(what) by \(node.author), \(node.state)"
            )
        }
        if let path = self.bundle { print("bundle written to \(path)") }
    }
}
