import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import Logging
import Testing

@Suite("Wire restarts and shutdown", .timeLimit(.minutes(1)))
struct WireLifecycleTests {
    private func makeServer(_ path: String, observations: Observations = Observations()) -> WireServer {
        WireServer(
            configuration: WireServerConfiguration(socketPath: path),
            router: makeTestRouter(observations: observations),
            logger: Logger(label: "choros.test")
        )
    }

    @Test("a restarted server is reconnected to and an idempotent call is retried until it answers")
    func reconnectAfterRestart() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending("restart.sock")
            let client = WireClient(socketPath: path)
            try await withRunningServices([self.makeServer(path)]) {
                try await waitUntilServing(path)
                #expect(try await client.call(echo, makeEcho("first")).message == "first")
            }
            #expect(!FileManager.default.fileExists(atPath: path), "shutdown must unlink the socket")

            let refused = try await #require(throws: RPCError.self) {
                try await client.call(mutate, makeEcho("not retried"))
            }
            #expect(refused.code == .unavailable, "a non-idempotent call is never retried")

            let answered = Shared(false)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Task.sleep(for: .milliseconds(400))
                    try await withRunningServices([self.makeServer(path)]) {
                        while !answered.value { try await Task.sleep(for: .milliseconds(10)) }
                    }
                }
                let response = try await client.call(
                    echo,
                    makeEcho("retried"),
                    options: CallOptions(timeout: .seconds(10))
                )
                answered.mutate { $0 = true }
                #expect(response.message == "retried")
                try await group.waitForAll()
            }
            await client.close()
        }
    }

    @Test("graceful shutdown lets an in-flight call finish, then removes the socket")
    func gracefulShutdownDrains() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending("drain.sock")
            let client = WireClient(socketPath: path)
            let started = Shared(false)
            let observations = Observations()
            let response = try await withThrowingTaskGroup(of: Choros_V1_Status?.self) { group in
                group.addTask {
                    try await withRunningServices([self.makeServer(path, observations: observations)]) {
                        try await waitUntilServing(path)
                        started.mutate { $0 = true }
                        // Shut down while the slow call below is running on the server.
                        while observations.startedCalls.value.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
                    }
                    return nil
                }
                group.addTask {
                    while !started.value { try await Task.sleep(for: .milliseconds(5)) }
                    return try await client.call(mutate, makeEcho("slow", sleepMilliseconds: 600))
                }
                return try await group.reduce(into: [Choros_V1_Status]()) { if let value = $1 { $0.append(value) } }
            }
            #expect(response.map(\.message) == ["slow"])
            #expect(!FileManager.default.fileExists(atPath: path))
            await client.close()
        }
    }
}
