import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

/// TRUST.md, rule 6, at the wire: connections per uid, the establish deadline, the idle
/// timeout and server-side deadlines, each on a real server.
@Suite("Connection limits")
struct ConnectionLimitTests {
    private func request(_ callID: UInt64, sleep: Int? = nil, timeoutMs: UInt32 = 0) throws -> [UInt8] {
        var frame = Choros_V1_Frame()
        frame.callID = callID
        frame.kind = .request
        frame.method = echo.path
        frame.payload = try makeEcho("m\(callID)", sleepMilliseconds: sleep).serializedData()
        frame.timeoutMs = timeoutMs
        return try encodeFrame(frame)
    }

    @Test("past the per-uid cap a new connection gets RESOURCE_EXHAUSTED and is closed at once")
    func perUIDCap() async throws {
        try await withTestServer(limits: ConnectionLimits(maximumPerUID: 2)) { path in
            let first = try await RawSocket.connect(path: path)
            let second = try await RawSocket.connect(path: path)
            try await first.send(try self.request(1))
            #expect(try await readFrame(from: first)?.status.code == .ok)
            let third = try await RawSocket.connect(path: path)
            let refusal = try #require(try await readFrame(from: third))
            #expect(refusal.status.code == .resourceExhausted)
            #expect(refusal.status.message.contains("holds 2 connections to test.sock"))
            #expect(try await third.isClosedByPeer())
            second.hangUp()
            // The server frees the slot when it sees the close; on a loaded machine that takes a moment.
            var answer: Choros_V1_Frame?
            for _ in 0..<50 where answer?.status.code != .ok {
                // Refused while the slot is still held: the server may close before the send.
                let again = try await RawSocket.connect(path: path)
                try? await again.send(try self.request(2))
                answer = try? await readFrame(from: again)
                if answer?.status.code != .ok { try await Task.sleep(for: .milliseconds(100)) }
                again.hangUp()
            }
            #expect(answer?.status.code == .ok, "a closed connection frees its slot")
            first.hangUp()
        }
    }

    @Test("a connection not established by its deadline is closed")
    func establishDeadline() async throws {
        try await withTestServer(limits: ConnectionLimits(establishDeadline: .seconds(2))) { path in
            let socket = try await RawSocket.connect(path: path)
            try await socket.send(try self.request(1))
            #expect(try await readFrame(from: socket)?.status.code == .ok, "calls run until the deadline")
            try await Task.sleep(for: .milliseconds(3_000))
            #expect(try await socket.isClosedByPeer())
            socket.hangUp()
        }
    }

    @Test("an idle connection is closed; one with a call in flight is not")
    func idleTimeout() async throws {
        try await withTestServer(limits: ConnectionLimits(idleTimeout: .seconds(2))) { path in
            let busy = try await RawSocket.connect(path: path)
            try await busy.send(try self.request(1, sleep: 4_000))
            #expect(try await readFrame(from: busy)?.status.code == .ok, "the long call answered")
            let idle = try await RawSocket.connect(path: path)
            try await Task.sleep(for: .milliseconds(3_500))
            #expect(try await idle.isClosedByPeer())
            busy.hangUp()
            idle.hangUp()
        }
    }

    @Test("the server stops a call at its deadline and answers DEADLINE_EXCEEDED")
    func serverSideDeadline() async throws {
        let observations = Observations()
        try await withTestServer(observations: observations) { path in
            let socket = try await RawSocket.connect(path: path)
            let started = ContinuousClock.now
            try await socket.send(try self.request(7, sleep: 5_000, timeoutMs: 200))
            let answer = try #require(try await readFrame(from: socket))
            #expect(answer.callID == 7 && answer.status.code == .deadlineExceeded)
            #expect(ContinuousClock.now - started < .seconds(4), "answered at the deadline, not after the work")
            #expect(observations.cancelledCalls.value == ["m7"])
            socket.hangUp()
        }
    }
}
