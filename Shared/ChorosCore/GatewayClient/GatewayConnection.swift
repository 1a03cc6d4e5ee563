package import ChorosProto
package import ChorosWire
internal import Foundation
internal import NIOConcurrencyHelpers
internal import SwiftProtobuf

/// An instance's connection to `gateway.sock`, as every client needs it (the MCP bridge,
/// benchmarks, tests): the handshake, the catalog, and a signed op per write, built from the
/// catalog's own description of the tool so no tool list is written twice.
///
/// Every connection the client opens is bound before any call goes out on it, so a restarted
/// gateway (which forgets bindings) sees the new connection's handshake first, never an
/// unbound call it would refuse and audit as denied.
package final class GatewayConnection: Sendable {
    package let key: SigningKey
    package let client: WireClient
    private let binding: Binding
    private let catalog = NIOLockedValueBox<[String: Choros_V1_ToolDefinition]>([:])

    /// The deployment this connection's gateway named at the handshake; every op names it.
    package var deployment: String? { self.binding.bound.withLockedValue { $0?.deployment } }

    package init(socketPath: String, key: SigningKey, clientVersion: String = ChorosVersion.current) {
        let binding = Binding(key: key, clientVersion: clientVersion)
        self.key = key
        self.binding = binding
        self.client = WireClient(socketPath: socketPath) { connection in
            _ = try await binding.handshake(
                hello: { try await connection.call(GatewayRPC.hello, $0) },
                prove: { try await connection.call(GatewayRPC.prove, $0) }
            )
        }
    }

    /// Connects if there is no connection (binding it) and returns the binding.
    @discardableResult
    package func bind() async throws -> Choros_V1_BoundResponse {
        try await self.client.connect()
        guard let bound = self.binding.bound.withLockedValue({ $0?.response }) else {
            return try await self.handshake()
        }
        return bound
    }

    /// Binds the current connection again, now (IDENTITY.md, "The gateway handshake").
    @discardableResult
    package func handshake() async throws -> Choros_V1_BoundResponse {
        try await self.binding.handshake(
            hello: { try await self.client.call(GatewayRPC.hello, $0) },
            prove: { try await self.client.call(GatewayRPC.prove, $0) }
        )
    }

    /// The gateway's tool catalog, fetched once.
    package func tools() async throws -> [Choros_V1_ToolDefinition] {
        let cached = self.catalog.withLockedValue { $0 }
        if !cached.isEmpty { return cached.values.sorted { $0.name < $1.name } }
        let tools = try await self.client.call(GatewayRPC.listTools, .init()).tools
        self.catalog.withLockedValue { $0 = Dictionary(uniqueKeysWithValues: tools.map { ($0.name, $0) }) }
        return tools
    }

    /// Whether the catalog, once fetched, names `tool`.
    package func knows(_ tool: String) -> Bool {
        self.catalog.withLockedValue { $0[tool] != nil }
    }

    /// Calls a tool with JSON arguments and returns its JSON result; a write is signed here.
    package func callTool(
        _ name: String,
        arguments: [String: JSONValue] = [:],
        timeout: Duration = .seconds(30)
    ) async throws -> String {
        if self.catalog.withLockedValue({ $0.isEmpty }) { _ = try await self.tools() }
        var request = Choros_V1_CallToolRequest()
        request.name = name
        if let definition = self.catalog.withLockedValue({ $0[name] }), !definition.opType.isEmpty {
            let arguments = try await self.completingClaimBody(definition, arguments)
            request.op = try Self.signedOp(
                for: definition,
                arguments: arguments,
                key: self.key,
                deployment: self.deployment
            ).proto
            request.code = definition.sideArguments.contains("code") ? arguments["code"]?.stringValue ?? "" : ""
        } else {
            request.argumentsJson = String(decoding: CanonicalJSON.encode(.object(arguments)), as: UTF8.self)
        }
        return try await self.client.call(GatewayRPC.callTool, request, options: CallOptions(timeout: timeout))
            .resultJson
    }

    /// The op a write tool's arguments make: defaults filled from the schema, arguments renamed
    /// to body fields as the catalog says, side arguments (TOTP codes) left out.
    package static func signedOp(
        for definition: Choros_V1_ToolDefinition,
        arguments: [String: JSONValue],
        key: SigningKey,
        deployment: String?,
        timestamp: Int64 = Int64(Date().timeIntervalSince1970 * 1000)
    ) throws -> SignedOperation {
        guard let type = OperationType(rawValue: definition.opType) else {
            throw RPCError(
                code: .invalidArgument,
                message: "'\(definition.name)' names unknown op type '\(definition.opType)'"
            )
        }
        let properties =
            (try? JSONParser.parse(Array(definition.inputSchemaJson.utf8)))?["properties"]?.objectValue ?? [:]
        var body: [String: JSONValue] = [:]
        for (name, property) in properties where !definition.sideArguments.contains(name) {
            if let value = arguments[name] ?? property["default"] { body[definition.bodyFields[name] ?? name] = value }
        }
        for (name, value) in arguments where properties[name] == nil { body[name] = value }
        return try SignedOperation.make(type: type, body: body, timestamp: timestamp, key: key, deployment: deployment)
    }

    package func close() async { await self.client.close() }
}

/// The handshake, shared by the connection and its client's `establish` hook (which must not
/// hold the connection itself: the client would then own its owner).
private final class Binding: Sendable {
    let key: SigningKey
    let clientVersion: String
    let bound = NIOLockedValueBox<(deployment: String, response: Choros_V1_BoundResponse)?>(nil)

    init(key: SigningKey, clientVersion: String) {
        self.key = key
        self.clientVersion = clientVersion
    }

    func handshake(
        hello: (Choros_V1_HelloRequest) async throws -> Choros_V1_ChallengeResponse,
        prove: (Choros_V1_ProveRequest) async throws -> Choros_V1_BoundResponse
    ) async throws -> Choros_V1_BoundResponse {
        let nonce = try HandshakeProof.nonce()
        let challenge = try await hello(
            .with {
                $0.author = self.key.author.rawValue
                $0.clientNonce = Data(nonce)
                $0.clientVersion = self.clientVersion
            }
        )
        let bound = try await prove(
            .with {
                $0.sig = Data(
                    HandshakeProof.sign(
                        deployment: challenge.deploymentID,
                        serverNonce: Array(challenge.serverNonce),
                        clientNonce: nonce,
                        key: self.key
                    )
                )
            }
        )
        self.bound.withLockedValue { $0 = (challenge.deploymentID, bound) }
        return bound
    }
}
