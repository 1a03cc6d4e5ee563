import ChorosCore

/// Envelopes built and signed per second, and verified per second (the verifier's every
/// check, with a ledger that knows the author).
struct IdentityBenchmark {
    struct Ledger: OperationLedger {
        let registry: InstanceRegistry
        func isKnown(_ id: OpID) -> Bool { false }
        func record(for author: AuthorID) -> InstanceRecord? { self.registry.record(for: author) }
    }

    func measure(duration: Duration) throws -> [BenchmarkResult] {
        let key = SigningKey(seed: [UInt8](repeating: 9, count: 32))
        let registry = try InstanceRegistry(records: [
            InstanceRecord(name: try InstanceName("bench"), author: key.author, enrolledAt: 0)
        ])
        let body: [String: JSONValue] = [
            "key": "bench-1", "domain": "practice", "slug": "notes",
            "body": .string(String(repeating: "A line of an entry body. ", count: 20)), "tags": ["a", "b"],
        ]
        let timestamp: Int64 = 1_718_000_000_000

        var built: [SignedOperation] = []
        let buildStart = ContinuousClock.now
        while ContinuousClock.now - buildStart < duration {
            built.append(
                try SignedOperation.make(
                    type: .entryCommit,
                    body: body,
                    timestamp: timestamp + Int64(built.count),
                    key: key,
                    deployment: nil
                )
            )
        }
        let buildElapsed = ContinuousClock.now - buildStart

        let verifier = OperationVerifier(freshnessSeconds: 86_400)
        let ledger = Ledger(registry: registry)
        let envelopes = built.map(\.canonicalBytes)
        var verified = 0
        let verifyStart = ContinuousClock.now
        while ContinuousClock.now - verifyStart < duration {
            _ = try verifier.verify(json: envelopes[verified % envelopes.count], ledger: ledger, now: timestamp)
            verified += 1
        }
        return [
            BenchmarkResult(name: "envelopes built + signed", calls: built.count, elapsed: buildElapsed),
            BenchmarkResult(name: "envelopes verified", calls: verified, elapsed: ContinuousClock.now - verifyStart),
        ]
    }
}
