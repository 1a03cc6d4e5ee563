import ChorosProto
import ChorosWire
import Logging
import ServiceLifecycle

/// The RPC layer under test: a WireServer with one small echo method, called through
/// WireClient.
struct WireBenchmark {
    let socketPath: String
    static let echo = RPCMethod<Choros_V1_Status, Choros_V1_Status>("/bench.Echo/Echo", isIdempotent: true)

    func withServer(_ body: () async throws -> Void) async throws {
        var router = RPCRouter()
        router.registerHealth(service: "bench", version: "0")
        router.register(Self.echo) { request, _ in request }
        var logger = Logger(label: "choros.bench")
        logger.logLevel = .warning
        let server = WireServer(
            configuration: WireServerConfiguration(socketPath: self.socketPath),
            router: router,
            logger: logger
        )
        let group = ServiceGroup(services: [server], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let probe = WireClient(socketPath: self.socketPath)
            _ = try await probe.call(HealthRPC.check, Choros_V1_HealthCheckRequest())
            await probe.close()
            do {
                try await body()
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func measure(name: String, connections: Int, callers: Int, duration: Duration) async throws -> BenchmarkResult {
        let clients = (0..<connections).map { _ in WireClient(socketPath: self.socketPath) }
        var request = Choros_V1_Status()
        request.message = String(repeating: "x", count: 64)
        for client in clients { _ = try await client.call(Self.echo, request) }
        let (calls, elapsed) = try await countCalls(callers: callers, duration: duration) { [request] caller in
            _ = try await clients[caller % clients.count].call(Self.echo, request)
        }
        for client in clients { await client.close() }
        return BenchmarkResult(name: name, calls: calls, elapsed: elapsed)
    }
}
