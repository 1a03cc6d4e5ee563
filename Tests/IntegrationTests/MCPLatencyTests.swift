import ChorosCore
import ChorosTesting
import Foundation
import Testing

/// Issue 19, item 1: choros-mcp reads stdin as the kernel delivers it. The SDK's stdio
/// transport slept 10 ms whenever a read found nothing, so every call took 10.05 ms; a burst
/// of 1,000 sequential calls now has no mode at 10 ms. (A histogram's shape, not a bound.)
@Suite("choros-mcp: no polling on stdin", .serialized, .timeLimit(.minutes(3)))
struct MCPLatencyTests {
    @Test("1,000 sequential tool calls through choros-mcp show no 10 ms mode")
    func noTenMillisecondFloor() async throws {
        try await GatewayFixture.with(instances: ["alice"]) { fixture in
            let key = fixture.daemons.directory.appending("alice.key")
            try #require(fixture.keys.value["alice"]).save(to: key)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ChildProcess.binDirectory + "/choros-mcp")
            process.arguments = ["--key", key, "--socket", fixture.socketPath]
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { process.terminate() }
            // Blocking pipe I/O on a thread of its own, off the cooperative pool.
            let latencies = try await withCheckedThrowingContinuation { continuation in
                Thread {
                    continuation.resume(
                        with: Result {
                            try Self.burst(to: input.fileHandleForWriting, from: output.fileHandleForReading)
                        }
                    )
                }.start()
            }
            #expect(latencies.count == 1_000)
            // 0.5 ms bins: the old transport put nearly every call in the one holding 10 ms.
            let bins = Dictionary(grouping: latencies) { Int($0 * 2) }.mapValues(\.count)
            let tenMilliseconds = (bins[19] ?? 0) + (bins[20] ?? 0) + (bins[21] ?? 0)
            let mode = bins.max { $0.value < $1.value }?.key ?? 0
            #expect(tenMilliseconds < 200, "\(tenMilliseconds) of 1,000 calls took 9.5–11 ms")
            #expect(!(19...21).contains(mode), "the histogram's mode is the 10 ms bin")
            let sorted = latencies.sorted()
            print("choros-mcp whoami × 1,000: p50 \(sorted[500]) ms, p95 \(sorted[950]) ms")
        }
    }

    /// Initializes, then sends `tools/call whoami` 1,000 times, one at a time; returns each
    /// call's latency in milliseconds.
    private static func burst(to input: FileHandle, from output: FileHandle) throws -> [Double] {
        var reader = LineReader(handle: output)
        func send(_ line: String) { input.write(Data((line + "\n").utf8)) }
        func answer(_ id: Int) throws {
            while let line = reader.next() {
                if line.contains("\"id\":\(id),") || line.contains("\"id\":\(id)}") { return }
            }
            throw TestUserError("choros-mcp closed before answering \(id)")
        }
        send(
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#
        )
        try answer(0)
        send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        var latencies: [Double] = []
        for id in 1...1_000 {
            let began = ContinuousClock.now
            send(
                #"{"jsonrpc":"2.0","id":"# + "\(id)"
                    + #","method":"tools/call","params":{"name":"whoami","arguments":{}}}"#
            )
            try answer(id)
            latencies.append((ContinuousClock.now - began) / .milliseconds(1))
        }
        input.closeFile()
        return latencies
    }

    /// Lines from a pipe, buffered.
    struct LineReader {
        let handle: FileHandle
        var buffer = Data()

        mutating func next() -> String? {
            while true {
                if let newline = self.buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: self.buffer[..<newline], as: UTF8.self)
                    self.buffer.removeSubrange(...newline)
                    return line
                }
                let chunk = self.handle.availableData
                if chunk.isEmpty { return nil }
                self.buffer.append(chunk)
            }
        }
    }
}
