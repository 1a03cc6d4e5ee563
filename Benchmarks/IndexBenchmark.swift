import ChorosIndex
import Foundation

/// Index figures (issue 6): search p50/p95 at 1k, 10k and 100k entries, BM25 alone and
/// hybrid with 384-dim vectors; upserts/s; resident memory at 100k.
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
            results.append(try await self.time("BM25", size: size) { try await database.search($0) })
            try await database.embedAll()
            results.append(try await self.time("hybrid", size: size) { try await database.hybridSearch($0) })
            if size == 100_000 {
                print("resident memory with 100k entries and vectors: \(Self.residentMegabytes()) MB")
            }
        }
        return results
    }

    private func time(_ kind: String, size: Int, _ search: (String) async throws -> Int) async throws -> BenchmarkResult
    {
        var latencies: [Duration] = []
        for index in 0..<300 {
            let query = "\(Self.vocabulary[index % 20]) \(Self.vocabulary[20 + index * 37 % 2000])"
            let start = ContinuousClock.now
            _ = try await search(query)
            latencies.append(ContinuousClock.now - start)
        }
        latencies.sort()
        print("search \(kind) at \(size): p50 \(latencies[150]), p95 \(latencies[285])")
        return BenchmarkResult(
            name: "\(kind) searches/s at \(size)",
            calls: latencies.count,
            elapsed: latencies.reduce(.zero, +)
        )
    }

    static func residentMegabytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}
