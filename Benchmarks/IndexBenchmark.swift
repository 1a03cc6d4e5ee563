import ChorosIndex

/// Index figures (issue 6, BM25 part): search p50/p95 at 1k, 10k and 100k entries, and
/// upserts/s.
struct IndexBenchmark {
    let directory: String

    static let vocabulary: [String] = {
        let roots = [
            "lantern", "river", "canon", "practice", "orientation", "vantage", "claim", "evidence", "ledger", "harbor",
            "signal", "thread", "anchor", "merge", "proposal", "window", "practitioner", "instance", "coherence",
            "horizon",
        ]
        return roots + (0..<2000).map { "w\($0)" }
    }()

    func measure() async throws -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        for size in [1_000, 10_000, 100_000] {
            let database = try IndexBenchmarkDatabase(path: self.directory + "/index-\(size).sqlite")
            let start = ContinuousClock.now
            try await database.fill(count: size, vocabulary: Self.vocabulary)
            if size == 10_000 {
                results.append(
                    BenchmarkResult(name: "index upserts/s", calls: size, elapsed: ContinuousClock.now - start)
                )
            }
            var latencies: [Duration] = []
            for index in 0..<300 {
                let query = "\(Self.vocabulary[index % 20]) \(Self.vocabulary[20 + index * 37 % 2000])"
                let queryStart = ContinuousClock.now
                _ = try await database.search(query)
                latencies.append(ContinuousClock.now - queryStart)
            }
            latencies.sort()
            let p50 = latencies[latencies.count / 2]
            let p95 = latencies[latencies.count * 95 / 100]
            print("search BM25 at \(size): p50 \(p50), p95 \(p95)")
            results.append(
                BenchmarkResult(
                    name: "BM25 searches/s at \(size)",
                    calls: latencies.count,
                    elapsed: latencies.reduce(.zero, +)
                )
            )
        }
        return results
    }
}
