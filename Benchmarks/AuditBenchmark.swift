import ChorosAudit

/// Audit figures (issue 5): appends/s single and batched, verify time at 100k and 1M
/// events, latest and is-read latency at 1M events.
struct AuditBenchmark {
    let directory: String

    func measure() async throws -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        let single = try AuditBenchmarkDatabase(path: self.directory + "/audit-single.sqlite")
        var start = ContinuousClock.now
        try await single.append(count: 500, batchSize: 1)
        results.append(
            BenchmarkResult(
                name: "audit appends/s, one per transaction",
                calls: 500,
                elapsed: ContinuousClock.now - start
            )
        )

        let big = try AuditBenchmarkDatabase(path: self.directory + "/audit-big.sqlite")
        start = ContinuousClock.now
        try await big.append(count: 100_000, batchSize: 1000)
        results.append(
            BenchmarkResult(
                name: "audit appends/s, batches of 1000",
                calls: 100_000,
                elapsed: ContinuousClock.now - start
            )
        )
        start = ContinuousClock.now
        let counted = try await big.verify()
        results.append(
            BenchmarkResult(
                name: "verify at 100k: events checked/s",
                calls: Int(counted),
                elapsed: ContinuousClock.now - start
            )
        )

        try await big.append(count: 900_000, batchSize: 1000)
        start = ContinuousClock.now
        let million = try await big.verify()
        results.append(
            BenchmarkResult(
                name: "verify at 1M: events checked/s",
                calls: Int(million),
                elapsed: ContinuousClock.now - start
            )
        )

        let lookups = 2000
        start = ContinuousClock.now
        for index in 0..<lookups { _ = try await big.latest(actor: "actor\(index % 16)") }
        results.append(
            BenchmarkResult(name: "latest(op, actor)/s at 1M", calls: lookups, elapsed: ContinuousClock.now - start)
        )
        start = ContinuousClock.now
        for index in 0..<lookups {
            _ = try await big.isRead(
                reader: "actor\(index % 16)",
                ref: "refs/cap/perspectives/actor\(index % 7)",
                path: "messages/m\(index * 499).md"
            )
        }
        results.append(BenchmarkResult(name: "is-read/s at 1M", calls: lookups, elapsed: ContinuousClock.now - start))
        return results
    }
}
