import ChorosTesting
import Foundation
import Testing

@testable import ChorosCore

/// The same bytes on both sides: an independent Python implementation (hashlib, PyNaCl)
/// verifies envelopes built here, and builds envelopes verified here.
@Suite("Signed operations across languages", .timeLimit(.minutes(1)))
struct CrossLanguageTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/identity/cross_check.py").path

    private func python(_ arguments: [String], in directory: TemporaryDirectory) async throws -> String {
        let result = try await ChildProcess.run(
            "/usr/bin/env",
            ["python3", Self.script] + arguments,
            outputDirectory: directory.path
        )
        #expect(
            result.status == 0,
            "python3 cross_check.py \(arguments.first ?? ""): \(result.error) (pip install PyNaCl?)"
        )
        return result.output
    }

    @Test("Python verifies envelopes built in Swift, byte for byte")
    func swiftToPython() async throws {
        try await withTemporaryDirectory { directory in
            var lines: [String] = []
            for type in OperationType.allCases {
                var body = IdentityFixtures.validBody(type)
                body["extra"] = [
                    "unicode": "é € 😀 \u{2028} \u{1} \"q\" \\", "\u{FB33}": 1, "\u{20AC}": -9_007_199_254_740_991,
                ]
                let operation = try SignedOperation.make(
                    type: type,
                    body: body,
                    timestamp: IdentityFixtures.now,
                    key: IdentityFixtures.alice,
                    deployment: nil
                )
                let record: JSONValue = [
                    "envelope": operation.json, "canonical_hex": .string(Hex.encode(operation.canonicalBytes)),
                ]
                lines.append(String(decoding: CanonicalJSON.encode(record), as: UTF8.self))
            }
            let path = directory.appending("swift.jsonl")
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let output = try await self.python(["verify", path], in: directory)
            #expect(output.contains("verified \(OperationType.allCases.count) envelopes"))
        }
    }

    @Test("Swift verifies envelopes built in Python, byte for byte")
    func pythonToSwift() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending("python.jsonl")
            let seed = String(repeating: "07", count: 32)
            _ = try await self.python(["produce", path, seed, "25"], in: directory)
            let pythonKey = SigningKey(seed: Hex.decode(seed) ?? [])
            let ledger = MemoryLedger(enrolling: [("python", pythonKey)])
            let verifier = OperationVerifier(freshnessSeconds: 300)
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 25)
            for line in lines {
                let record = try JSONParser.parse(Array(line.utf8))
                let envelope = try #require(record["envelope"])
                let verified = try verifier.verify(
                    json: CanonicalJSON.encode(envelope),
                    ledger: ledger,
                    now: IdentityFixtures.now + 10_000
                )
                #expect(Hex.encode(verified.operation.canonicalBytes) == record["canonical_hex"]?.stringValue)
                #expect(verified.operation.author == pythonKey.author)
            }
        }
    }
}
