package import ChorosProto
internal import Foundation
internal import Logging
internal import SwiftProtobuf

/// Maps method paths to typed handlers and turns every outcome into a RESPONSE frame.
///
/// Decoding the request, encoding the response and mapping errors to codes happen here, once,
/// so handlers deal only in typed messages and domain errors.
package struct RPCRouter: Sendable {
    typealias ErasedHandler = @Sendable (Data, RPCContext) async throws -> Data

    private var handlers: [String: ErasedHandler] = [:]
    private let disks: DiskTrouble

    /// `watching`: the directories the daemon writes under, whose filesystems explain a
    /// failure that would otherwise be INTERNAL (full, read-only).
    package init(watching paths: [String] = []) {
        self.disks = DiskTrouble(watching: paths)
    }

    /// The methods this router serves, sorted.
    package var methods: [String] { self.handlers.keys.sorted() }

    /// Registers `handler` for `method`; a later registration of the same path replaces it.
    package mutating func register<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        handler: @escaping @Sendable (Request, RPCContext) async throws -> Response
    ) {
        self.handlers[method.path] = { bytes, context in
            let request: Request
            do {
                request = try Request(serializedBytes: bytes)
            } catch {
                throw RPCError(
                    code: .invalidArgument,
                    message: "payload of \(bytes.count) bytes does not decode as \(Request.protoMessageName)"
                )
            }
            try IntegerRange.check(request)
            let response = try await handler(request, context)
            return try response.serializedData(options: .deterministic)
        }
    }

    /// Runs the handler for a REQUEST frame and returns the RESPONSE frame; never throws.
    package func respond(to request: Choros_V1_Frame, context: RPCContext) async -> Choros_V1_Frame {
        var response = Choros_V1_Frame()
        response.callID = request.callID
        response.kind = .response
        let start = ContinuousClock.now
        guard let handler = self.handlers[request.method] else {
            response.status = RPCError(code: .unimplemented, message: "unknown method '\(request.method)'").status
            RPCMetrics.end(method: "unknown", code: response.status.code, since: start, counted: false)
            return response
        }
        RPCMetrics.begin()
        defer { RPCMetrics.end(method: request.method, code: response.status.code, since: start) }
        do {
            response.payload = try await handler(request.payload, context)
            response.status.code = .ok
        } catch {
            var wireError = Self.wireError(for: error, context: context)
            if wireError.code == .internal, let trouble = self.disks.diagnose() { wireError = trouble }
            response.status = wireError.status
        }
        return response
    }

    private static func wireError(for error: any Error, context: RPCContext) -> RPCError {
        switch error {
        case let convertible as any WireErrorConvertible:
            let rpcError = convertible.rpcError
            context.logger.debug(
                "call refused",
                metadata: ["rpc.code": "\(rpcError.code.name)", "error.message": "\(rpcError.message)"]
            )
            return rpcError
        case is CancellationError where context.isPastDeadline:
            return RPCError(code: .deadlineExceeded, message: "the call's deadline passed on the server")
        case is CancellationError:
            return RPCError(code: .cancelled, message: "call was cancelled")
        default:
            // Internal descriptions never cross the socket; the log keeps them.
            context.logger.error(
                "handler failed",
                metadata: ["error.type": "\(type(of: error))", "error.message": "\(error)"]
            )
            return RPCError(code: .internal, message: "Service method threw an unknown error.")
        }
    }
}
