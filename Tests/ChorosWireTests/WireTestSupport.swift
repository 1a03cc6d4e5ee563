import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import Logging
import SwiftProtobuf
import Synchronization

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// `/test.Echo/Echo`: answers with the request after sleeping `details["sleep_ms"]`.
let echo = RPCMethod<Choros_V1_Status, Choros_V1_Status>("/test.Echo/Echo", isIdempotent: true)
/// `/test.Echo/Mutate`: the same, but not idempotent.
let mutate = RPCMethod<Choros_V1_Status, Choros_V1_Status>("/test.Echo/Mutate", isIdempotent: false)
/// `/test.Echo/Peer`: answers with the caller's uid and pid as the server saw them.
let peer = RPCMethod<Choros_V1_Status, Choros_V1_Status>("/test.Echo/Peer", isIdempotent: true)

/// What the test handlers observed, for assertions made from the client side.
final class Observations: Sendable {
    let cancelledCalls = Shared<[String]>([])
    let startedCalls = Shared<[String]>([])
}

func makeTestRouter(observations: Observations = Observations()) -> RPCRouter {
    var router = RPCRouter()
    router.registerHealth(service: "test", version: "0")
    let handler: @Sendable (Choros_V1_Status, RPCContext) async throws -> Choros_V1_Status = { request, _ in
        observations.startedCalls.mutate { $0.append(request.message) }
        if let sleep = request.details["sleep_ms"].flatMap(Int.init) {
            do {
                try await Task.sleep(for: .milliseconds(sleep))
            } catch {
                observations.cancelledCalls.mutate { $0.append(request.message) }
                throw error
            }
        }
        return request
    }
    router.register(echo, handler: handler)
    router.register(mutate, handler: handler)
    router.register(peer) { _, context in
        var status = Choros_V1_Status()
        status.details = [
            "uid": context.peer.map { String($0.uid) } ?? "none",
            "pid": context.peer.map { String($0.pid) } ?? "none",
        ]
        return status
    }
    return router
}

func makeEcho(_ message: String, sleepMilliseconds: Int? = nil) -> Choros_V1_Status {
    var status = Choros_V1_Status()
    status.message = message
    if let sleepMilliseconds { status.details["sleep_ms"] = String(sleepMilliseconds) }
    return status
}

/// A server on a fresh socket in a fresh directory, running for the duration of `body`.
func withTestServer<Result: Sendable>(
    maximumFrameBytes: Int = WireServerConfiguration.defaultMaximumFrameBytes,
    maximumInFlightCalls: Int = 256,
    access: SocketAccess = .open(),
    limits: ConnectionLimits = .unbounded,
    observations: Observations = Observations(),
    _ body: (String) async throws -> Result
) async throws -> Result {
    try await withTemporaryDirectory { directory in
        let configuration = WireServerConfiguration(
            socketPath: directory.appending("test.sock"),
            access: access,
            maximumFrameBytes: maximumFrameBytes,
            maximumInFlightCallsPerConnection: maximumInFlightCalls,
            limits: limits
        )
        let server = WireServer(
            configuration: configuration,
            router: makeTestRouter(observations: observations),
            logger: Logger(label: "choros.test")
        )
        return try await withRunningServices([server]) {
            try await waitUntilServing(configuration.socketPath)
            return try await body(configuration.socketPath)
        }
    }
}

/// Waits for a socket's Health/Check to answer (idempotent calls retry while it starts).
func waitUntilServing(_ socketPath: String) async throws {
    let client = WireClient(socketPath: socketPath)
    let result = await Result(catching: {
        try await client.call(
            HealthRPC.check,
            Choros_V1_HealthCheckRequest(),
            options: CallOptions(timeout: .seconds(10))
        )
    })
    await client.close()
    // A server that refuses our uid is serving all the same.
    if case .failure(let error as RPCError) = result, error.code == .permissionDenied { return }
    _ = try result.get()
}

/// Encodes one frame as it travels: length prefix, then the serialized frame.
func encodeFrame(_ frame: Choros_V1_Frame) throws -> [UInt8] {
    let body: [UInt8] = try frame.serializedBytes()
    return withUnsafeBytes(of: UInt32(body.count).bigEndian, Array.init) + body
}

/// Reads one frame from a raw socket; `nil` if the server closed instead.
func readFrame(from socket: RawSocket) async throws -> Choros_V1_Frame? {
    guard let prefix = try await socket.receive(exactly: 4) else { return nil }
    let length = prefix.reduce(0) { $0 << 8 | Int($1) }
    guard let body = try await socket.receive(exactly: length) else { return nil }
    return try Choros_V1_Frame(serializedBytes: body)
}
