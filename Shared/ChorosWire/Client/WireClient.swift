internal import ChorosProto
internal import Foundation
internal import NIOConcurrencyHelpers
internal import NIOCore
package import NIOPosix
internal import SwiftProtobuf
internal import Synchronization

/// A multiplexed RPC client over one Unix socket connection.
///
/// The connection is opened on first use and reopened after it drops, with exponential
/// backoff between failed attempts. Idempotent calls are retried on UNAVAILABLE until their
/// deadline; everything else fails on the first UNAVAILABLE, since nothing is retried blindly.
///
/// A client made with `establish` runs it on every new connection before any call goes out on
/// it: a connection that needs a handshake (gateway.sock's) is never used unbound, even by
/// calls that were waiting while a restarted server came back.
package final class WireClient: Sendable {
    /// Calls on one connection that is not yet handed to other callers.
    package struct Establishing: Sendable {
        fileprivate let client: WireClient
        fileprivate let channel: any Channel

        package func call<Request, Response>(
            _ method: RPCMethod<Request, Response>,
            _ request: Request,
            options: CallOptions = CallOptions()
        ) async throws -> Response {
            let (frame, deadline) = try self.client.frame(method, request, options)
            return try WireClient.decode(
                method,
                try await self.client.send(frame, deadline: deadline, on: self.channel)
            )
        }
    }

    package let socketPath: String
    private let configuration: WireClientConfiguration
    private let eventLoopGroup: MultiThreadedEventLoopGroup
    private let establish: (@Sendable (Establishing) async throws -> Void)?
    private let connection: NIOLockedValueBox<ConnectionState>
    private let nextCallID = Atomic<UInt64>(1)
    private let callsStarted = Atomic<Int>(0)

    /// How many calls this client has made: the test that holds a tool to one round trip per
    /// daemon reads it before and after.
    package var callCount: Int { self.callsStarted.load(ordering: .relaxed) }

    package init(
        socketPath: String,
        configuration: WireClientConfiguration = .init(),
        eventLoopGroup: MultiThreadedEventLoopGroup = .singleton,
        establish: (@Sendable (Establishing) async throws -> Void)? = nil
    ) {
        self.socketPath = socketPath
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.establish = establish
        self.connection = NIOLockedValueBox(ConnectionState(initialBackoff: configuration.initialBackoff))
    }

    /// Calls `method` and returns its response.
    ///
    /// - Throws: `RPCError`: the server's status for a refusal; DEADLINE_EXCEEDED past the
    ///   deadline (a CANCEL is sent); UNAVAILABLE when the server cannot be reached;
    ///   CANCELLED when the calling task is cancelled (a CANCEL is sent).
    package func call<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ request: Request,
        options: CallOptions = CallOptions()
    ) async throws -> Response {
        let (frame, deadline) = try self.frame(method, request, options)
        let isIdempotent = options.isIdempotent ?? method.isIdempotent
        return try Self.decode(
            method,
            try await self.send(frame, deadline: deadline, retryingUnavailable: isIdempotent)
        )
    }

    /// Opens the connection now (running `establish` on it) if there is none, retrying an
    /// unreachable server until the default timeout, as an idempotent call would.
    package func connect() async throws {
        let deadline = NIODeadline.now() + TimeAmount(self.configuration.defaultTimeout)
        _ = try await self.retryingUnreachable(until: deadline, always: true) { try await self.connectedChannel() }
    }

    private func frame<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ request: Request,
        _ options: CallOptions
    ) throws -> (Choros_V1_Frame, NIODeadline) {
        self.callsStarted.add(1, ordering: .relaxed)
        var frame = Choros_V1_Frame()
        frame.kind = .request
        frame.method = method.path
        frame.metadata = options.metadata
        frame.payload = try request.serializedData(options: .deterministic)
        let timeout = options.timeout ?? self.configuration.defaultTimeout
        frame.timeoutMs = UInt32(
            clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        )
        return (frame, NIODeadline.now() + TimeAmount(timeout))
    }

    private static func decode<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ response: Choros_V1_Frame
    ) throws -> Response {
        guard response.status.code == .ok else { throw RPCError(status: response.status) }
        do {
            return try Response(serializedBytes: response.payload)
        } catch {
            throw RPCError(
                code: .internal,
                message: "response of \(method.path) does not decode as \(Response.protoMessageName)"
            )
        }
    }

    private func send(
        _ frame: Choros_V1_Frame,
        deadline: NIODeadline,
        retryingUnavailable: Bool
    ) async throws -> Choros_V1_Frame {
        try await self.retryingUnreachable(until: deadline, always: retryingUnavailable) {
            try await self.send(frame, deadline: deadline, on: try await self.connectedChannel())
        }
    }

    /// Runs `body` again after UNAVAILABLE while the deadline allows: always, or only when
    /// nothing was sent.
    private func retryingUnreachable<Result>(
        until deadline: NIODeadline,
        always: Bool,
        _ body: () async throws -> Result
    ) async throws -> Result {
        while true {
            do {
                return try await body()
            } catch let error as RPCError where error.code == .unavailable && (always || error.details["sent"] == "no")
            {
                // A call that never left (no connection yet: a restarting or a flooded server)
                // is safe to send again whatever it does.
                let delay = self.connection.withLockedValue { $0.delayBeforeNextAttempt() }
                guard NIODeadline.now() + delay < deadline else { throw error }
                try await Task.sleep(for: .nanoseconds(max(delay.nanoseconds, 5_000_000)))
            }
        }
    }

    private func send(
        _ request: Choros_V1_Frame,
        deadline: NIODeadline,
        on channel: any Channel
    ) async throws -> Choros_V1_Frame {
        var frame = request
        frame.callID = self.nextCallID.wrappingAdd(1, ordering: .relaxed).oldValue
        let callID = frame.callID
        let responsePromise = channel.eventLoop.makePromise(of: Choros_V1_Frame.self)
        let writePromise = channel.eventLoop.makePromise(of: Void.self)
        writePromise.futureResult.whenFailure { error in
            responsePromise.fail(RPCError(code: .unavailable, message: "cannot send on \(self.socketPath): \(error)"))
        }
        channel.writeAndFlush(ClientOutbound.request(frame, responsePromise, deadline: deadline), promise: writePromise)
        return try await withTaskCancellationHandler {
            try await responsePromise.futureResult.get()
        } onCancel: {
            channel.writeAndFlush(ClientOutbound.cancel(callID: callID), promise: nil)
        }
    }

    /// The open channel, connecting first if there is none (or it dropped).
    private func connectedChannel() async throws -> any Channel {
        let action = self.connection.withLockedValue { $0.nextAction(eventLoop: self.eventLoopGroup.next()) }
        let future: EventLoopFuture<any Channel>
        switch action {
        case .use(let channel): return channel
        case .wait(let connecting): future = connecting
        case .connect(let promise):
            self.connect(completing: promise)
            future = promise.futureResult
        case .refuse(let remaining):
            throw RPCError(
                code: .unavailable,
                message: "\(self.socketPath) is unreachable; next attempt in \(remaining.nanoseconds / 1_000_000) ms",
                details: ["sent": "no"]
            )
        }
        do {
            return try await future.get()
        } catch let error as RPCError where error.code != .unavailable {
            throw error  // `establish` refused the connection: its own reason, not a retry
        } catch {
            throw RPCError(
                code: .unavailable,
                message: "cannot connect to \(self.socketPath): \(error)",
                details: ["sent": "no"]
            )
        }
    }

    private func connect(completing promise: EventLoopPromise<any Channel>) {
        let path = self.socketPath
        let maximumFrameBytes = self.configuration.maximumFrameBytes
        ClientBootstrap(group: promise.futureResult.eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(FrameDecoder(maximumFrameBytes: maximumFrameBytes)),
                        MessageToByteHandler(FrameEncoder()),
                        ClientChannelHandler(socketPath: path),
                    ])
                }
            }
            .connect(unixDomainSocketPath: path)
            .whenComplete { result in
                guard case .success(let channel) = result, let establish = self.establish else {
                    return promise.completeWith(result)
                }
                Task {
                    do {
                        try await establish(Establishing(client: self, channel: channel))
                        promise.succeed(channel)
                    } catch {
                        channel.close(promise: nil)
                        promise.fail(error)
                    }
                }
            }
        promise.futureResult.whenComplete { result in
            self.connection.withLockedValue {
                $0.connectionAttemptEnded(result, maximumBackoff: self.configuration.maximumBackoff)
            }
            if case .success(let channel) = result {
                channel.closeFuture.whenComplete { _ in
                    self.connection.withLockedValue { $0.channelClosed(channel) }
                }
            }
        }
    }

    /// Closes the connection; later calls reconnect.
    package func close() async {
        let channel = self.connection.withLockedValue { $0.takeChannel() }
        try? await channel?.close()
    }
}
