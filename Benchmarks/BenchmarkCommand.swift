import ArgumentParser
import ChorosBuildVersion
import ChorosProto
import ChorosWire
import Foundation
import Logging
import NIOCore
import NIOPosix

/// `choros-bench`: measurements run on demand, never as timed tests (OPERATIONS.md).
/// Build it in release: `swift build -c release --product choros-bench`.
@main
struct BenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "choros-bench",
        abstract: "Measure Choros throughput and latency; prints a table and JSON.",
        version: chorosBuildVersion
    )

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 3

    @Option(
        help:
            "Run one part: wire-sequential, client-sequential, raw-sequential, identity, store, audit, index, reindex, gateway, mcp, http or land."
    )
    var only: String?

    @Option(
        help:
            "The deployment sizes to measure: with --only mcp, entries in all (default 10000 and 100000); with --only gateway, entries per instance (default 1000 and 50000)."
    )
    var entries: [Int] = []

    @Flag(help: "Run Swift concurrency on the default cooperative pool instead of NIO's event loops.")
    var cooperativePool = false

    static func main() async {
        // Must happen on the main thread before any other task runs.
        let arguments = Array(CommandLine.arguments.dropFirst())
        if !arguments.contains("--cooperative-pool") {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        do {
            var command = try Self.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            Self.exit(withError: error)
        }
    }

    func run() async throws {
        #if DEBUG
        FileHandle.standardError.write(Data("choros-bench: a debug build is ~8x slower; use -c release\n".utf8))
        #endif
        let directory = FileManager.default.temporaryDirectory.path + "/choros-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let duration = Duration.milliseconds(Int(self.seconds * 1000))

        var results: [BenchmarkResult] = []
        if self.only == "wire-sequential" {
            let wire = WireBenchmark(socketPath: directory + "/wire.sock")
            try await wire.withServer {
                let result = try await wire.measure(
                    name: "wire RPC, sequential",
                    connections: 1,
                    callers: 1,
                    duration: duration
                )
                BenchmarkResult.printTable([result])
            }
            return
        }
        if self.only == "reindex" {
            BenchmarkResult.printTable([try await ReindexBenchmark(directory: directory).measure()])
            return
        }
        if self.only == "index" {
            var results = try await IndexBenchmark(directory: directory).measure()
            results.append(try await ReindexBenchmark(directory: directory).measure())
            BenchmarkResult.printTable(results)
            return
        }
        if self.only == "land" {
            BenchmarkResult.printTable(try await LandBenchmark(directory: directory).measure())
            return
        }
        if self.only == "mcp" {
            let results = try await MCPBenchmark(
                directory: directory,
                duration: duration,
                sizes: self.entries.isEmpty ? [10_000, 100_000] : self.entries
            )
            .measure()
            BenchmarkResult.printTable(results)
            BenchmarkResult.printJSON(results)
            return
        }
        if self.only == "http" {
            BenchmarkResult.printTable(try await HTTPBenchmark(directory: directory, duration: duration).measure())
            return
        }
        if self.only == "gateway" {
            BenchmarkResult.printTable(
                try await GatewayBenchmark(
                    directory: directory,
                    duration: duration,
                    sizes: self.entries.isEmpty ? [1_000, 50_000] : self.entries
                ).measure()
            )
            return
        }
        if self.only == "claims" {
            BenchmarkResult.printTable(try await ClaimsBenchmark(directory: directory, duration: duration).measure())
            return
        }
        if self.only == "audit" {
            BenchmarkResult.printTable(try await AuditBenchmark(directory: directory).measure())
            return
        }
        if self.only == "store" {
            BenchmarkResult.printTable(try await StoreBenchmark(directory: directory).measure())
            return
        }
        if self.only == "identity" {
            BenchmarkResult.printTable(try IdentityBenchmark().measure(duration: duration))
            return
        }
        if self.only == "client-sequential" {
            let inline = InlineFrameServer(socketPath: directory + "/inline.sock")
            try await inline.withServer {
                let wire = WireBenchmark(socketPath: directory + "/inline.sock")
                BenchmarkResult.printTable([
                    try await wire.measure(
                        name: "wire client, inline server",
                        connections: 1,
                        callers: 1,
                        duration: duration
                    )
                ])
            }
            return
        }
        if self.only == "raw-sequential" {
            let raw = RawNIOBaseline(socketPath: directory + "/raw.sock")
            try await raw.withServer {
                BenchmarkResult.printTable([
                    try await raw.measure(name: "raw NIO, 1 client", connections: 1, duration: duration)
                ])
            }
            return
        }
        let raw = RawNIOBaseline(socketPath: directory + "/raw.sock")
        try await raw.withServer {
            results.append(try await raw.measure(name: "raw NIO, 1 client", connections: 1, duration: duration))
            results.append(try await raw.measure(name: "raw NIO, 8 clients", connections: 8, duration: duration))
            results.append(try await raw.measureBlocking(name: "raw NIO, 1 blocking thread", duration: duration))
        }
        let wire = WireBenchmark(socketPath: directory + "/wire.sock")
        try await wire.withServer {
            results.append(
                try await wire.measure(name: "wire RPC, sequential", connections: 1, callers: 1, duration: duration)
            )
            results.append(
                try await wire.measure(
                    name: "wire RPC, 8 callers / 1 socket",
                    connections: 1,
                    callers: 8,
                    duration: duration
                )
            )
            results.append(
                try await wire.measure(
                    name: "wire RPC, 8 callers / 8 sockets",
                    connections: 8,
                    callers: 8,
                    duration: duration
                )
            )
        }
        results += try IdentityBenchmark().measure(duration: duration)
        results += try await StoreBenchmark(directory: directory).measure()
        results += try await AuditBenchmark(directory: directory).measure()
        results += try await IndexBenchmark(directory: directory).measure()
        results.append(try await ReindexBenchmark(directory: directory).measure())
        BenchmarkResult.printTable(results)
        let ratios = [
            "sequential_vs_raw_1": results[3].perSecond / results[0].perSecond,
            "8_on_1_socket_vs_raw_8": results[4].perSecond / results[1].perSecond,
            "8_on_8_sockets_vs_raw_8": results[5].perSecond / results[1].perSecond,
        ]
        for (name, ratio) in ratios.sorted(by: { $0.key < $1.key }) {
            print(String(format: "%@: %.0f%%", name, ratio * 100))
        }
        let json: [String: Any] = [
            "results": results.map { ["name": $0.name, "calls": $0.calls, "per_second": $0.perSecond] },
            "ratios": ratios,
        ]
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

struct BenchmarkResult {
    var name: String
    var calls: Int
    var elapsed: Duration
    /// Per-call latency percentiles, for the benchmarks that time each call.
    var p50: Duration?
    var p95: Duration?

    init(name: String, calls: Int, elapsed: Duration) {
        self.name = name
        self.calls = calls
        self.elapsed = elapsed
    }

    func with(latencies: [Duration]) -> BenchmarkResult {
        let sorted = latencies.sorted()
        var result = self
        if !sorted.isEmpty {
            result.p50 = sorted[sorted.count / 2]
            result.p95 = sorted[min(sorted.count - 1, sorted.count * 95 / 100)]
        }
        return result
    }

    var perSecond: Double {
        let seconds = Double(self.elapsed.components.seconds) + Double(self.elapsed.components.attoseconds) / 1e18
        return Double(self.calls) / seconds
    }

    static func printJSON(_ results: [BenchmarkResult]) {
        let rows: [[String: Any]] = results.map { result in
            var row: [String: Any] = ["name": result.name, "calls": result.calls, "per_second": result.perSecond]
            if let p50 = result.p50, let p95 = result.p95 {
                row["p50_ms"] = Self.milliseconds(p50)
                row["p95_ms"] = Self.milliseconds(p95)
            }
            return row
        }
        if let data = try? JSONSerialization.data(withJSONObject: ["results": rows], options: [.sortedKeys]) {
            print(String(decoding: data, as: UTF8.self))
        }
    }

    static func printTable(_ results: [BenchmarkResult]) {
        print("benchmark".padding(toLength: 42, withPad: " ", startingAt: 0) + "per second   p50 / p95 ms")
        for result in results {
            var line = result.name.padding(toLength: 42, withPad: " ", startingAt: 0)
            line += String(format: "%.0f", result.perSecond).padding(toLength: 13, withPad: " ", startingAt: 0)
            if let p50 = result.p50, let p95 = result.p95 {
                line += String(format: "%.2f / %.2f", Self.milliseconds(p50), Self.milliseconds(p95))
            }
            print(line)
        }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}

/// Runs `callers` loops of sequential calls until `duration` has passed; returns the count.
func countCalls(
    callers: Int,
    duration: Duration,
    call: @escaping @Sendable (Int) async throws -> Void
) async throws -> (Int, Duration) {
    let start = ContinuousClock.now
    let deadline = start + duration
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for caller in 0..<callers {
            group.addTask {
                var count = 0
                while ContinuousClock.now < deadline {
                    try await call(caller)
                    count += 1
                }
                return count
            }
        }
        return try await group.reduce(0, +)
    }
    return (total, ContinuousClock.now - start)
}
