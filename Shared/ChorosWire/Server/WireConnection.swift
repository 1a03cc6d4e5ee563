internal import ChorosProto
internal import Foundation
internal import Logging
internal import NIOCore
internal import ServiceLifecycle
internal import NIOConcurrencyHelpers

/// Serves one accepted connection: reads frames, runs each REQUEST as its own task, answers
/// in completion order, honours CANCEL, and drains on graceful shutdown.
struct WireConnection: Sendable {
    let channel: NIOAsyncChannel<Choros_V1_Frame, Choros_V1_Frame>
    let peer: PeerCredentials?
    let router: RPCRouter
    let maximumInFlightCalls: Int
    let logger: Logger

    func run() async {
        let calls = NIOLockedValueBox(InFlightCalls(limit: self.maximumInFlightCalls))
        do {
            try await self.channel.executeThenClose { inbound, outbound in
                await withGracefulShutdownHandler {
                    await self.readFrames(inbound, outbound: outbound, calls: calls)
                } onGracefulShutdown: {
                    if calls.withLockedValue({ $0.beginDraining() }) {
                        self.channel.channel.close(promise: nil)
                    }
                }
                // The peer is gone or broke the protocol: nobody will read what is still running.
                let orphans = calls.withLockedValue { $0.removeAll() }
                for task in orphans { task.cancel() }
                for task in orphans { await task.value }
            }
        } catch {
            self.logger.debug("connection closed with error", metadata: ["error.message": "\(error)"])
        }
    }

    private func readFrames(
        _ inbound: NIOAsyncChannelInboundStream<Choros_V1_Frame>,
        outbound: NIOAsyncChannelOutboundWriter<Choros_V1_Frame>,
        calls: NIOLockedValueBox<InFlightCalls>
    ) async {
        do {
            for try await frame in inbound {
                switch frame.kind {
                case .request where frame.callID != 0:
                    try await self.start(frame, outbound: outbound, calls: calls)
                case .cancel where frame.callID != 0:
                    calls.withLockedValue { $0.cancel(frame.callID) }?.cancel()
                case .request, .cancel:
                    throw FrameError.missingCallID
                default:
                    throw FrameError.unexpectedKind(rawValue: frame.kind.rawValue)
                }
            }
        } catch let error as FrameError {
            // A broken stream closes this connection only, after one error frame saying why.
            self.logger.debug("closing connection on bad frame", metadata: ["error.message": "\(error)"])
            var frame = Choros_V1_Frame()
            frame.kind = .response
            frame.status = error.rpcError.status
            try? await outbound.write(frame)
        } catch {
            self.logger.debug("connection read failed", metadata: ["error.message": "\(error)"])
        }
    }

    private func start(
        _ request: Choros_V1_Frame,
        outbound: NIOAsyncChannelOutboundWriter<Choros_V1_Frame>,
        calls: NIOLockedValueBox<InFlightCalls>
    ) async throws {
        let refusal: RPCError? =
            switch calls.withLockedValue({ $0.admit(request.callID) }) {
            case .admitted: nil
            case .draining: RPCError(code: .unavailable, message: "server is shutting down")
            case .duplicate: RPCError(code: .invalidArgument, message: "call_id \(request.callID) is already in flight")
            case .overLimit(let limit):
                RPCError(
                    code: .resourceExhausted,
                    message: "too many calls in flight on this connection: the limit is \(limit)",
                    details: ["limit": String(limit)]
                )
            }
        if let refusal {
            try await outbound.write(Self.response(to: request.callID, error: refusal))
            return
        }
        let context = self.context(for: request)
        // One unstructured task per call, because a CANCEL must stop exactly that call and a
        // task-group child cannot be cancelled alone. It never outlives the connection: `run`
        // cancels and awaits every task still registered when the connection ends.
        let task = Task {
            let response = await self.router.respond(to: request, context: context)
            let completion = calls.withLockedValue { $0.finish(request.callID) }
            if completion.shouldRespond {
                try? await outbound.write(response)
            }
            if completion.shouldClose {
                self.channel.channel.close(promise: nil)
            }
        }
        if calls.withLockedValue({ $0.attach(task, to: request.callID) }) {
            task.cancel()
        }
    }

    private func context(for request: Choros_V1_Frame) -> RPCContext {
        var logger = self.logger
        logger[metadataKey: "call.id"] = "\(request.callID)"
        logger[metadataKey: "rpc.method"] = "\(request.method)"
        let deadline: NIODeadline? =
            request.timeoutMs == 0 ? nil : .now() + .milliseconds(Int64(request.timeoutMs))
        return RPCContext(
            callID: request.callID,
            method: request.method,
            metadata: request.metadata,
            deadline: deadline,
            peer: self.peer,
            logger: logger
        )
    }

    static func response(to callID: UInt64, error: RPCError) -> Choros_V1_Frame {
        var frame = Choros_V1_Frame()
        frame.callID = callID
        frame.kind = .response
        frame.status = error.status
        return frame
    }
}
