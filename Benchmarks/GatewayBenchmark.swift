import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf

/// Gateway figures (issue 7), end to end through the real daemons of a release build:
/// `kip_commit` latency and throughput with 1 and 8 instances over perspectives already
/// holding 1,000 and 50,000 entries, and `kip_get` / `map_search` reads per second.
struct GatewayBenchmark {
    let directory: String
    let duration: Duration
    var sizes = [1_000, 50_000]

    static let instances = (0..<8).map { "bench\($0)" }

    func measure() async throws -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        for size in self.sizes {
            let deployment = try await Deployment.start(in: self.directory + "/gateway-\(size)")
            do {
                let connections = try await deployment.seed(entriesPerInstance: size)
                // Seeded behind the index's back: indexed now, or the first write of each ref would
                // measure its catch-up.
                _ = try await deployment.client("index").call(
                    IndexRPC.reindex,
                    .init(),
                    options: CallOptions(timeout: .seconds(900))
                )
                results.append(try await self.commits(connections.prefix(1), label: "1 instance, \(size) entries"))
                results.append(try await self.commits(connections[...], label: "8 instances, \(size) entries"))
                if size == self.sizes.first {
                    results += try await self.reads(connections[0], deployment: deployment, size: size)
                    results.append(try await self.saturated(flooder: connections[0], victim: connections[1]))
                }
                for connection in connections { await connection.close() }
                await deployment.stop()
            } catch {
                await deployment.stop()
                throw error
            }
        }
        return results
    }

    private func commits(_ connections: ArraySlice<GatewayConnection>, label: String) async throws -> BenchmarkResult {
        let start = ContinuousClock.now
        let deadline = start + self.duration
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for (caller, connection) in connections.enumerated() {
                group.addTask {
                    var latencies: [Duration] = []
                    while ContinuousClock.now < deadline {
                        let key = "c\(caller)-\(latencies.count)-\(UUID().uuidString.prefix(8))"
                        let began = ContinuousClock.now
                        _ = try await connection.callTool(
                            "kip_commit",
                            arguments: [
                                "domain": "bench", "slug": .string(key), "body": "A benchmark entry.",
                                "op_id": .string(key),
                            ]
                        )
                        latencies.append(ContinuousClock.now - began)
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return BenchmarkResult(
            name: "kip_commit, \(label)",
            calls: latencies.count,
            elapsed: ContinuousClock.now - start
        )
        .with(latencies: latencies)
    }

    /// TRUST.md, rule 6: one instance keeps 64 writes in flight (twice its quota) while
    /// another commits one at a time; the second's latency is compared with the idle figure.
    private func saturated(flooder: GatewayConnection, victim: GatewayConnection) async throws -> BenchmarkResult {
        let start = ContinuousClock.now
        let deadline = start + self.duration
        let refused = Shared(0)
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for caller in 0..<64 {
                group.addTask {
                    var count = 0
                    while ContinuousClock.now < deadline {
                        count += 1
                        let key = "flood\(caller)-\(count)-\(UUID().uuidString.prefix(8))"
                        do {
                            _ = try await flooder.callTool(
                                "kip_commit",
                                arguments: [
                                    "domain": "flood", "slug": .string(key), "body": "Flood.", "op_id": .string(key),
                                ]
                            )
                        } catch {
                            refused.mutate { $0 += 1 }
                        }
                    }
                    return []
                }
            }
            group.addTask {
                var latencies: [Duration] = []
                while ContinuousClock.now < deadline {
                    let key = "victim-\(latencies.count)-\(UUID().uuidString.prefix(8))"
                    let began = ContinuousClock.now
                    _ = try await victim.callTool(
                        "kip_commit",
                        arguments: ["domain": "bench", "slug": .string(key), "body": "Steady.", "op_id": .string(key)]
                    )
                    latencies.append(ContinuousClock.now - began)
                }
                return latencies
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        print("saturation: the flooding instance had \(refused.value) calls refused (quota)")
        return BenchmarkResult(
            name: "kip_commit of 1 instance while another floods (64 in flight)",
            calls: latencies.count,
            elapsed: ContinuousClock.now - start
        )
        .with(latencies: latencies)
    }

    private func reads(
        _ connection: GatewayConnection,
        deployment: Deployment,
        size: Int
    ) async throws
        -> [BenchmarkResult]
    {
        _ = try await deployment.client("index").call(
            IndexRPC.reindex,
            .init(),
            options: CallOptions(timeout: .seconds(300))
        )
        var results: [BenchmarkResult] = []
        let readers: [(String, @Sendable (Int) -> [String: JSONValue])] = [
            ("kip_get", { index in ["ref": "bench0", "path": .string(Deployment.seedPath(index * 7919 % size))] }),
            ("map_search", { index in ["query": .string("topic\(index % 97) entry")] }),
        ]
        for (tool, arguments) in readers {
            let (calls, elapsed) = try await countCalls(callers: 1, duration: self.duration) { _ in
                _ = try await connection.callTool(tool, arguments: arguments(Int.random(in: 0..<size)))
            }
            results.append(BenchmarkResult(name: "\(tool) reads, 1 instance", calls: calls, elapsed: elapsed))
        }
        return results
    }
}

/// The store, audit, index and gateway daemons on a fresh data directory.
struct Deployment {
    let directory: String
    let processes: [String: ChildProcess]
    let clients: [String: WireClient]
    /// Signs the seed's direct store writes, as the store requires of every writer.
    let signer: StoreSigner

    static func seedPath(_ index: Int) -> String { "seed/d\(index / 1000)/e\(index % 1000).md" }

    static func start(
        in directory: String,
        daemons: [String] = ["store", "audit", "index", "gateway"],
        configuration extra: String = ""
    ) async throws -> Deployment {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let configuration = directory + "/choros.toml"
        try ("data_dir = \"\(directory)/data\"\nlog_level = \"warning\"\n" + extra).write(
            toFile: configuration,
            atomically: true,
            encoding: .utf8
        )
        var processes: [String: ChildProcess] = [:]
        var clients: [String: WireClient] = [:]
        for name in daemons {
            processes[name] = try ChildProcess(
                "choros-\(name)",
                ["--config", configuration],
                outputDirectory: directory
            )
            let client = WireClient(socketPath: "\(directory)/data/run/\(name).sock")
            _ = try await client.call(HealthRPC.check, .init(), options: CallOptions(timeout: .seconds(30)))
            clients[name] = client
        }
        let signer = StoreSigner(
            store: WireClient(socketPath: "\(directory)/data/run/store.sock"),
            deploymentFile: "\(directory)/data/keys/deployment.id"
        )
        return Deployment(directory: directory, processes: processes, clients: clients, signer: signer)
    }

    func client(_ name: String) -> WireClient { self.clients[name]! }

    /// Canon, eight enrolled instances, and `entriesPerInstance` entries in each perspective
    /// (one store commit each: the benchmark measures writes on top of them, not their making).
    func seed(entriesPerInstance: Int) async throws -> [GatewayConnection] {
        let store = self.client("store")
        _ = try await store.call(
            StoreRPC.bootstrap,
            .with {
                $0.files = [
                    .with {
                        $0.path = "README.md"
                        $0.content = Data("canon\n".utf8)
                    }
                ]
                $0.author = "practitioner"
            }
        )
        var keys: [SigningKey] = []
        for name in GatewayBenchmark.instances { keys.append(try await self.signer.enroll(name)) }
        for name in GatewayBenchmark.instances {
            let changes = (0..<entriesPerInstance).map { index in
                Choros_V1_FileChange.with {
                    $0.path = Self.seedPath(index)
                    $0.content = Data(
                        "---\ntype: kno\ntitle: Seed \(index)\n---\n\nAbout topic\(index % 97), entry \(index).\n".utf8
                    )
                }
            }
            var request = Choros_V1_CommitRequest.with {
                $0.ref = "refs/cap/perspectives/\(name)"
                $0.changes = changes
                $0.author = name
            }
            try await self.signer.sign(&request)
            _ = try await store.call(StoreRPC.commit, request, options: CallOptions(timeout: .seconds(600)))
        }
        var connections: [GatewayConnection] = []
        for key in keys {
            let connection = GatewayConnection(socketPath: "\(self.directory)/data/run/gateway.sock", key: key)
            try await connection.bind()
            connections.append(connection)
        }
        return connections
    }

    /// The audit daemon's system key enrolled, as `choros-admin init` does: its anchors are
    /// system-signed writes the store verifies.
    func enrollSystem() async throws {
        let key = try SigningKey.load(from: "\(self.directory)/data/keys/system.key")
        try await self.signer.enroll("system", key: key)
    }

    /// A practitioner key enrolled in the registry (a configured approver by default).
    func enrollPractitioner() async throws -> SigningKey {
        try await self.signer.practitioner()
    }

    func stop() async {
        for client in self.clients.values { await client.close() }
        await self.signer.store.close()
        for process in self.processes.values {
            process.signal(SIGTERM)
            _ = try? await process.waitForExit(timeout: .seconds(30))
        }
    }
}
