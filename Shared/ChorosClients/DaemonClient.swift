package import ChorosWire
internal import SwiftProtobuf

/// A typed client of one daemon: its socket's wire client, and calls through it.
package protocol DaemonClient: Sendable {
    var wire: WireClient { get }
}

extension DaemonClient {
    package func call<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ request: Request,
        options: CallOptions = CallOptions()
    ) async throws -> Response {
        try await self.wire.call(method, request, options: options)
    }
}
