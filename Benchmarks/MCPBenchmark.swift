import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation

/// Issue 19's figures as an instance lives with them: each call through `choros-mcp` over its
/// stdio, as Claude Code or the Python MCP client drives it, beside the same call on
/// `gateway.sock`; then every daemon's resident memory once the deployment is idle.
struct MCPBenchmark {
    let directory: String
    let duration: Duration
    var sizes = [10_000, 100_000]

    func measure() async throws -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        for total in self.sizes {
            let deployment = try await Deployment.start(
                in: self.directory + "/mcp-\(total)",
                daemons: ["store", "audit", "index", "airlock", "gateway"]
            )
            do {
                let connections = try await deployment.seed(
                    entriesPerInstance: total / GatewayBenchmark.instances.count
                )
                _ = try await deployment.client("index").call(
                    IndexRPC.reindex,
                    .init(),
                    options: CallOptions(timeout: .seconds(900))
                )
                let sessions = try connections.enumerated().map { index, connection in
                    let path = "\(deployment.directory)/bench\(index).key"
                    try connection.key.save(to: path)
                    return try MCPSession(key: path, socket: "\(deployment.directory)/data/run/gateway.sock")
                }
                results += try await self.reads(sessions[0], connections[0], total: total)
                if total == self.sizes.first { results += try await self.writes(sessions, connections) }
                try await Task.sleep(for: .seconds(2))
                print(Self.memory(deployment, label: "\(total) entries"))
                for session in sessions { session.close() }
                for connection in connections { await connection.close() }
                await deployment.stop()
            } catch {
                await deployment.stop()
                throw error
            }
        }
        return results
    }

    private static let readers: [(tool: String, arguments: @Sendable (Int, Int) -> [String: JSONValue])] = [
        (
            "kip_get",
            { index, total in ["ref": "bench0", "path": .string(Deployment.seedPath(index * 7919 % (total / 8)))] }
        ),
        // "entry" is in every seeded entry: the common-word case costs what a rare word does.
        ("map_search", { index, _ in ["query": .string("topic\(index % 97) entry")] }),
    ]

    private func reads(
        _ session: MCPSession,
        _ connection: GatewayConnection,
        total: Int
    ) async throws
        -> [BenchmarkResult]
    {
        var results: [BenchmarkResult] = []
        for reader in Self.readers {
            let label = "\(reader.tool), \(total / 1000)k entries"
            results.append(
                try await session.measure("\(label), MCP", duration: self.duration) { reader.arguments($0, total) }
            )
            results.append(
                try await Self.measure("\(label), gateway", duration: self.duration) { count in
                    _ = try await connection.callTool(reader.tool, arguments: reader.arguments(count, total))
                }
            )
        }
        return results
    }

    private func writes(
        _ sessions: [MCPSession],
        _ connections: [GatewayConnection]
    ) async throws
        -> [BenchmarkResult]
    {
        let arguments: @Sendable (String) -> [String: JSONValue] = { key in
            ["domain": "bench", "slug": .string(key), "body": "A benchmark entry.", "op_id": .string(key)]
        }
        var results: [BenchmarkResult] = []
        results.append(
            try await sessions[0].measure("kip_commit, 1 instance, MCP", tool: "kip_commit", duration: self.duration) {
                arguments("m1-\($0)-\(UUID().uuidString.prefix(8))")
            }
        )
        results.append(
            try await Self.measure("kip_commit, 1 instance, gateway", duration: self.duration) { count in
                _ = try await connections[0].callTool(
                    "kip_commit",
                    arguments: arguments("g1-\(count)-\(UUID().uuidString.prefix(8))")
                )
            }
        )
        results.append(
            try await MCPSession.measureTogether(sessions, "kip_commit, 8 instances, MCP", duration: self.duration) {
                session,
                count in arguments("m8-\(session)-\(count)-\(UUID().uuidString.prefix(8))")
            }
        )
        results.append(
            try await Self.together(connections, "kip_commit, 8 instances, gateway", duration: self.duration) {
                connection,
                caller,
                count in
                _ = try await connection.callTool(
                    "kip_commit",
                    arguments: arguments("g8-\(caller)-\(count)-\(UUID().uuidString.prefix(8))")
                )
            }
        )
        return results
    }

    /// Sequential calls for `duration`, each timed.
    static func measure(
        _ name: String,
        duration: Duration,
        _ call: (Int) async throws -> Void
    ) async throws -> BenchmarkResult {
        let start = ContinuousClock.now
        var latencies: [Duration] = []
        while ContinuousClock.now - start < duration {
            let began = ContinuousClock.now
            try await call(latencies.count)
            latencies.append(ContinuousClock.now - began)
        }
        return BenchmarkResult(name: name, calls: latencies.count, elapsed: ContinuousClock.now - start)
            .with(latencies: latencies)
    }

    /// One sequential caller per connection, all at once.
    static func together(
        _ connections: [GatewayConnection],
        _ name: String,
        duration: Duration,
        _ call: @escaping @Sendable (GatewayConnection, Int, Int) async throws -> Void
    ) async throws -> BenchmarkResult {
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for (caller, connection) in connections.enumerated() {
                group.addTask {
                    var latencies: [Duration] = []
                    while ContinuousClock.now - start < duration {
                        let began = ContinuousClock.now
                        try await call(connection, caller, latencies.count)
                        latencies.append(ContinuousClock.now - began)
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return BenchmarkResult(name: name, calls: latencies.count, elapsed: ContinuousClock.now - start)
            .with(latencies: latencies)
    }

    /// Resident memory of each daemon, and their sum, from /proc.
    static func memory(_ deployment: Deployment, label: String) -> String {
        let figures = deployment.processes.sorted(by: { $0.key < $1.key }).map { name, process in
            (name: name, mebibytes: Double(Self.residentKiB(pid: process.pid)) / 1024)
        }
        let total = figures.reduce(0) { $0 + $1.mebibytes }
        let each = figures.map { String(format: "%@ %.1f", $0.name, $0.mebibytes) }.joined(separator: ", ")
        return "RSS idle, \(label), MiB: \(each); all daemons \(String(format: "%.1f", total))"
    }

    static func residentKiB(pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

/// One `choros-mcp` process, spoken to as an MCP client does: newline-delimited JSON-RPC on its
/// stdin and stdout, one call at a time, on a thread of its own (blocking pipe I/O).
final class MCPSession: BlockingSession, @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = Data()
    private var nextID = 1

    init(key: String, socket: String) throws {
        self.process.executableURL = URL(fileURLWithPath: ChildProcess.binDirectory + "/choros-mcp")
        self.process.arguments = ["--key", key, "--socket", socket]
        self.process.standardInput = self.input
        self.process.standardOutput = self.output
        self.process.standardError = FileHandle.nullDevice
        try self.process.run()
        self.send(
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"choros-bench","version":"1"}}}"#
        )
        try self.answer(0)
        self.send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
    }

    func close() {
        self.input.fileHandleForWriting.closeFile()
        self.process.waitUntilExit()
    }

    /// Calls a tool and waits for its answer; a tool error is the benchmark's failure.
    func call(_ tool: String, _ arguments: [String: JSONValue]) throws {
        let id = self.nextID
        self.nextID += 1
        let params = JSONValue.object(["name": .string(tool), "arguments": .object(arguments)])
        let body = String(decoding: CanonicalJSON.encode(params), as: UTF8.self)
        self.send(#"{"jsonrpc":"2.0","id":"# + "\(id)" + #","method":"tools/call","params":"# + body + "}")
        let line = try self.answer(id)
        if line.contains(#""isError":true"#) {
            throw BenchmarkFailure("\(tool) failed through choros-mcp: \(line.prefix(300))")
        }
    }

    private func send(_ line: String) {
        self.input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    @discardableResult
    private func answer(_ id: Int) throws -> String {
        while let line = self.nextLine() {
            if line.contains("\"id\":\(id),") || line.contains("\"id\":\(id)}") { return line }
        }
        throw BenchmarkFailure("choros-mcp closed before answering \(id)")
    }

    private func nextLine() -> String? {
        while true {
            if let newline = self.buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: self.buffer[..<newline], as: UTF8.self)
                self.buffer.removeSubrange(...newline)
                return line
            }
            let chunk = self.output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            self.buffer.append(chunk)
        }
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A client that makes one blocking call at a time (choros-mcp's stdio, `/mcp` over a
/// socket), timed on a thread of its own.
protocol BlockingSession: AnyObject, Sendable {
    func call(_ tool: String, _ arguments: [String: JSONValue]) throws
}

extension BlockingSession {
    /// Sequential calls of `tool` (by default the name's first word) for `duration`.
    func measure(
        _ name: String,
        tool: String = "",
        duration: Duration,
        _ arguments: @escaping @Sendable (Int) -> [String: JSONValue]
    ) async throws -> BenchmarkResult {
        let tool = tool.isEmpty ? String(name.prefix { $0 != "," }) : tool
        return try await onThread {
            let start = ContinuousClock.now
            var latencies: [Duration] = []
            while ContinuousClock.now - start < duration {
                let began = ContinuousClock.now
                try self.call(tool, arguments(latencies.count))
                latencies.append(ContinuousClock.now - began)
            }
            return BenchmarkResult(name: name, calls: latencies.count, elapsed: ContinuousClock.now - start)
                .with(latencies: latencies)
        }
    }

    /// kip_commit from every session at once, each sequential on its own thread.
    static func measureTogether(
        _ sessions: [Self],
        _ name: String,
        duration: Duration,
        _ arguments: @escaping @Sendable (Int, Int) -> [String: JSONValue]
    ) async throws -> BenchmarkResult {
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for (index, session) in sessions.enumerated() {
                group.addTask {
                    try await onThread {
                        var latencies: [Duration] = []
                        while ContinuousClock.now - start < duration {
                            let began = ContinuousClock.now
                            try session.call("kip_commit", arguments(index, latencies.count))
                            latencies.append(ContinuousClock.now - began)
                        }
                        return latencies
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return BenchmarkResult(name: name, calls: latencies.count, elapsed: ContinuousClock.now - start)
            .with(latencies: latencies)
    }
}

/// Blocking I/O belongs on a thread, not on the cooperative pool.
private func onThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
