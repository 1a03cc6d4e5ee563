package import ChorosProto

/// The generic methods of `choros.v1.Gateway` (gateway.proto): the handshake and the tool
/// catalog. Each tool also has its own typed method, `/choros.v1.Gateway/<Tool>`.
package enum GatewayRPC {
    package static let hello = RPCMethod<Choros_V1_HelloRequest, Choros_V1_ChallengeResponse>(
        path("Hello"),
        isIdempotent: false
    )
    package static let prove = RPCMethod<Choros_V1_ProveRequest, Choros_V1_BoundResponse>(
        path("Prove"),
        isIdempotent: false
    )
    package static let listTools = RPCMethod<Choros_V1_ListToolsRequest, Choros_V1_ListToolsResponse>(
        path("ListTools"),
        isIdempotent: true
    )
    /// Reads are idempotent; a write carries a signed op whose id makes a retry harmless.
    package static let callTool = RPCMethod<Choros_V1_CallToolRequest, Choros_V1_CallToolResponse>(
        path("CallTool"),
        isIdempotent: true
    )

    package static func tool<Request, Response>(_ rpc: String) -> RPCMethod<Request, Response> {
        RPCMethod(path(rpc), isIdempotent: true)
    }

    private static func path(_ method: String) -> String { "/choros.v1.Gateway/" + method }
}
