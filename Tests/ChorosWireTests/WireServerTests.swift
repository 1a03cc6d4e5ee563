import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("Wire over real Unix sockets", .timeLimit(.minutes(1)))
struct WireServerTests {
    @Test("1,000 concurrent calls on one connection complete, answered out of order")
    func thousandConcurrentCalls() async throws {
        try await withTestServer(maximumInFlightCalls: 1024) { path in
            let client = WireClient(socketPath: path)
            let completionOrder = Shared<[Int]>([])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<1000 {
                    group.addTask {
                        // Earlier calls sleep longer, so answers overtake each other.
                        let request = makeEcho("call-\(index)", sleepMilliseconds: (1000 - index) % 40)
                        let response = try await client.call(echo, request, options: CallOptions(timeout: .seconds(30)))
                        #expect(response.message == "call-\(index)")
                        completionOrder.mutate { $0.append(index) }
                    }
                }
                try await group.waitForAll()
            }
            let order = completionOrder.value
            #expect(order.count == 1000)
            #expect(order != order.sorted(), "responses should arrive out of order")
            await client.close()
        }
    }

    @Test("an oversized length prefix gets RESOURCE_EXHAUSTED and closes only that connection")
    func oversizedFrame() async throws {
        try await withTestServer(maximumFrameBytes: 1024) { path in
            let healthy = WireClient(socketPath: path)
            _ = try await healthy.call(echo, makeEcho("before"))

            let socket = try await RawSocket.connect(path: path)
            // Only the prefix is sent: an answer proves the body was never awaited.
            try await socket.send([0x00, 0x10, 0x00, 0x00])
            let frame = try #require(try await readFrame(from: socket))
            #expect(frame.status.code == .resourceExhausted)
            #expect(frame.status.message.contains("1048576"))
            #expect(frame.status.message.contains("1024"))
            #expect(try await socket.isClosedByPeer())

            let after = try await healthy.call(echo, makeEcho("after"))
            #expect(after.message == "after")
            await healthy.close()
        }
    }

    static let garbage: [(String, [UInt8])] = {
        var requestWithoutID = Choros_V1_Frame()
        requestWithoutID.kind = .request
        requestWithoutID.method = "/test.Echo/Echo"
        var responseToServer = Choros_V1_Frame()
        responseToServer.callID = 7
        responseToServer.kind = .response
        var generator = SystemRandomNumberGenerator()
        let random = (0..<64).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return [
            ("invalid protobuf", [0, 0, 0, 8] + [UInt8](repeating: 0xFF, count: 8)),
            ("random bytes behind a matching prefix", [0, 0, 0, 65, 0x07] + random),
            ("a request without call_id", (try? encodeFrame(requestWithoutID)) ?? []),
            ("a response sent to a server", (try? encodeFrame(responseToServer)) ?? []),
        ]
    }()

    @Test("garbage closes that connection only", arguments: Self.garbage.indices)
    func garbageClosesConnection(case index: Int) async throws {
        let (name, bytes) = Self.garbage[index]
        try await withTestServer { path in
            let healthy = WireClient(socketPath: path)
            _ = try await healthy.call(echo, makeEcho("before"))

            let socket = try await RawSocket.connect(path: path)
            try await socket.send(bytes)
            let frame = try #require(try await readFrame(from: socket), "no error frame for \(name)")
            #expect(frame.callID == 0)
            #expect(frame.status.code == .invalidArgument, "\(name)")
            #expect(try await socket.isClosedByPeer(), "\(name)")

            #expect(try await healthy.call(echo, makeEcho("after")).message == "after")
            await healthy.close()
        }
    }

    @Test("an unknown method answers UNIMPLEMENTED")
    func unknownMethod() async throws {
        try await withTestServer { path in
            let client = WireClient(socketPath: path)
            let missing = RPCMethod<Choros_V1_Status, Choros_V1_Status>("/test.Echo/Missing", isIdempotent: true)
            let error = try await #require(throws: RPCError.self) {
                try await client.call(missing, makeEcho("x"))
            }
            #expect(error.code == .unimplemented)
            #expect(error.message.contains("/test.Echo/Missing"))
            await client.close()
        }
    }

    @Test("an undecodable payload answers INVALID_ARGUMENT and the connection stays usable")
    func undecodablePayload() async throws {
        try await withTestServer { path in
            let socket = try await RawSocket.connect(path: path)
            var request = Choros_V1_Frame()
            request.callID = 1
            request.kind = .request
            request.method = "/test.Echo/Echo"
            request.payload = Data([0xFF, 0xFF, 0xFF])
            try await socket.send(try encodeFrame(request))
            let response = try #require(try await readFrame(from: socket))
            #expect(response.callID == 1)
            #expect(response.status.code == .invalidArgument)
            #expect(response.status.message.contains("choros.v1.Status"))

            request.callID = 2
            request.payload = try makeEcho("fine").serializedData()
            try await socket.send(try encodeFrame(request))
            let second = try #require(try await readFrame(from: socket))
            #expect(second.status.code == .ok)
        }
    }

    @Test("a slow handler past the deadline: DEADLINE_EXCEEDED at the client, CANCEL at the server")
    func deadlineSendsCancel() async throws {
        let observations = Observations()
        try await withTestServer(observations: observations) { path in
            let client = WireClient(socketPath: path)
            let error = try await #require(throws: RPCError.self) {
                try await client.call(
                    echo,
                    makeEcho("slow", sleepMilliseconds: 20_000),
                    options: CallOptions(timeout: .milliseconds(200))
                )
            }
            #expect(error.code == .deadlineExceeded)
            #expect(error.message.contains("200 ms"))
            // The connection stays open, so only the CANCEL frame can have stopped the handler.
            for _ in 0..<200 where observations.cancelledCalls.value.isEmpty {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(observations.cancelledCalls.value == ["slow"])
            #expect(try await client.call(echo, makeEcho("next")).message == "next")
            await client.close()
        }
    }

    @Test("cancelling the calling task sends CANCEL")
    func taskCancellationSendsCancel() async throws {
        let observations = Observations()
        try await withTestServer(observations: observations) { path in
            let client = WireClient(socketPath: path)
            let call = Task { try await client.call(echo, makeEcho("abandoned", sleepMilliseconds: 20_000)) }
            try await Task.sleep(for: .milliseconds(100))
            call.cancel()
            let error = await #expect(throws: RPCError.self) { try await call.value }
            #expect(error?.code == .cancelled)
            for _ in 0..<200 where observations.cancelledCalls.value.isEmpty {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(observations.cancelledCalls.value == ["abandoned"])
            await client.close()
        }
    }

    @Test("calls past the in-flight cap get RESOURCE_EXHAUSTED")
    func inFlightCap() async throws {
        try await withTestServer(maximumInFlightCalls: 4) { path in
            let client = WireClient(socketPath: path)
            let codes = try await withThrowingTaskGroup(of: Choros_V1_Code.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        do {
                            // Long enough that no call ends before all ten are sent, even on a
                            // loaded machine (at 500 ms one sometimes did, freeing a slot).
                            _ = try await client.call(mutate, makeEcho("\(index)", sleepMilliseconds: 3_000))
                            return .ok
                        } catch let error as RPCError {
                            return error.code
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(codes.filter { $0 == .ok }.count == 4)
            #expect(codes.filter { $0 == .resourceExhausted }.count == 6)
            await client.close()
        }
    }

    @Test("handlers see the peer's uid and pid")
    func peerCredentials() async throws {
        try await withTestServer { path in
            let client = WireClient(socketPath: path)
            let response = try await client.call(peer, Choros_V1_Status())
            #expect(response.details["uid"] == String(getuid()))
            #expect(response.details["pid"] == String(getpid()))
            await client.close()
        }
    }
}
