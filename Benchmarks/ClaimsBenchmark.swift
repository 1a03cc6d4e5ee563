import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf

/// Claims figures (issue 10), through the real daemons: `claim_assert` per second through
/// the gateway, `belief` and `claim_explain` latency over a graph of 100,000 claims, and the
/// cascade of a refute that invalidates 10,000 claims (judge, sign, audit, project, notify).
struct ClaimsBenchmark {
    let directory: String
    let duration: Duration
    static let calls = 200

    func measure() async throws -> [BenchmarkResult] {
        let deployment = try await Deployment.start(
            in: self.directory + "/claims",
            daemons: ["store", "audit", "index", "airlock", "gateway"]
        )
        do {
            let results = try await self.run(deployment)
            await deployment.stop()
            return results
        } catch {
            await deployment.stop()
            throw error
        }
    }

    private func run(_ deployment: Deployment) async throws -> [BenchmarkResult] {
        let connections = try await deployment.seed(entriesPerInstance: 1)
        let practitioner = try await deployment.enrollPractitioner()
        var results = [
            try await self.asserts(connections.prefix(1), label: "1 instance"),
            try await self.asserts(connections[...], label: "8 instances"),
        ]
        let size = ProcessInfo.processInfo.environment["CLAIMS_SIZE"].flatMap { Int($0) } ?? 100_000
        var graph = ClaimGraphSeeder(subject: "graph")
        let seeding = ContinuousClock.now
        try await graph.seed(
            evidenceCount: 1_000,
            claimCount: size,
            authors: zip(GatewayBenchmark.instances, connections).map { ($0, $1.key) },
            audit: deployment.client("audit"),
            index: deployment.client("index")
        )
        print("seeded \(size) claims in \(ContinuousClock.now - seeding)")
        var generator = SeededGenerator(seed: 7)
        let reader = connections[0]
        results.append(
            try await Self.latency("belief, \(size) claims", count: Self.calls) {
                let predicate = "p\(Int.random(in: 0..<size, using: &generator))"
                _ = try await reader.callTool(
                    "belief",
                    arguments: ["subject": "graph", "predicate": .string(predicate)]
                )
            }
        )
        results.append(
            try await Self.latency("claim_explain, \(size) claims", count: Self.calls) {
                let claim = graph.claims[Int.random(in: 0..<size, using: &generator)].id
                _ = try await reader.callTool("claim_explain", arguments: ["claim": .string(claim)])
            }
        )
        results.append(try await Self.cascade(deployment, practitioner: practitioner, connections: connections))
        for connection in connections { await connection.close() }
        return results
    }

    private func asserts(_ connections: ArraySlice<GatewayConnection>, label: String) async throws -> BenchmarkResult {
        let deadline = ContinuousClock.now + self.duration
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for (caller, connection) in connections.enumerated() {
                group.addTask {
                    let evidence =
                        try JSONParser.parse(
                            Array(
                                try await connection.callTool(
                                    "evidence_add",
                                    arguments: [
                                        "source": "bench", "kind": "reading", "content": ["n": 1], "observed_at": 0,
                                        "op_id": .string("e\(caller)-\(UUID().uuidString.prefix(8))"),
                                    ]
                                ).utf8
                            )
                        )["id"]?.stringValue ?? ""
                    var latencies: [Duration] = []
                    var previous = evidence
                    while ContinuousClock.now < deadline {
                        let key = "a\(caller)-\(latencies.count)-\(UUID().uuidString.prefix(8))"
                        let began = ContinuousClock.now
                        let result = try await connection.callTool(
                            "claim_assert",
                            arguments: [
                                "subject": .string("bench\(caller)"), "predicate": .string(key), "value": ["n": 1],
                                "confidence_ppm": 500_000, "deriver": "bench", "deriver_version": "1",
                                "inputs": .array([.string(previous)]), "rationale": "chained", "op_id": .string(key),
                            ]
                        )
                        latencies.append(ContinuousClock.now - began)
                        previous = try JSONParser.parse(Array(result.utf8))["id"]?.stringValue ?? evidence
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return BenchmarkResult(
            name: "claim_assert, \(label)",
            calls: latencies.count,
            elapsed: ContinuousClock.now - start
        )
        .with(latencies: latencies)
    }

    /// A chain-and-diamond graph of 10,001 claims all derived from one root, refuted through
    /// `admin.sock`: the time is the whole judgement with its 10,000 invalidations.
    private static func cascade(
        _ deployment: Deployment,
        practitioner: SigningKey,
        connections: [GatewayConnection]
    ) async throws -> BenchmarkResult {
        var graph = ClaimGraphSeeder(subject: "cascade", seed: 11)
        try await graph.seed(
            evidenceCount: 10,
            claimCount: 10_001,
            derivedShare: 1.0,
            authors: zip(GatewayBenchmark.instances, connections).map { ($0, $1.key) },
            audit: deployment.client("audit"),
            index: deployment.client("index")
        )
        let root = graph.claims[0].id
        let refute = try SignedOperation.make(
            type: .claimRefute,
            body: [
                "target": .string(root), "claim_key": .string(ClaimKey(subject: "cascade", predicate: "p0").rawValue),
                "reason": "bench", "scope": "value",
            ],
            timestamp: Int64(Date().timeIntervalSince1970 * 1000),
            key: practitioner,
            deployment: deployment.signer.deployment
        )
        let admin = WireClient(socketPath: deployment.directory + "/data/run/admin.sock")
        let began = ContinuousClock.now
        let result = try await admin.call(
            AdminRPC.claimJudge,
            .with { $0.op = refute.proto },
            options: CallOptions(timeout: .seconds(600))
        )
        let elapsed = ContinuousClock.now - began
        await admin.close()
        print("cascade: \(result.invalidations.count) invalidations, \(result.messages.count) messages, \(elapsed)")
        return BenchmarkResult(
            name: "cascade, \(result.invalidations.count) claims invalidated",
            calls: result.invalidations.count,
            elapsed: elapsed
        )
    }

    private static func latency(
        _ name: String,
        count: Int,
        _ body: () async throws -> Void
    ) async throws -> BenchmarkResult {
        var latencies: [Duration] = []
        let start = ContinuousClock.now
        for _ in 0..<count {
            let began = ContinuousClock.now
            try await body()
            latencies.append(ContinuousClock.now - began)
        }
        return BenchmarkResult(name: name, calls: count, elapsed: ContinuousClock.now - start).with(
            latencies: latencies
        )
    }
}
