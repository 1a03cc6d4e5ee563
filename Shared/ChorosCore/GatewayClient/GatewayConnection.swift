package import ChorosProto
package import ChorosWire
internal import Foundation
internal import SwiftProtobuf
internal import Synchronization

/// An instance's connection to `gateway.sock`, as every client needs it (the MCP bridge,
/// benchmarks, tests): the handshake, the catalog, and a signed op per write, built from the
/// catalog's own description of the tool so no tool list is written twice.
///
/// A restarted gateway forgets the binding; a call refused for that binds again and is
/// retried once, so the caller notices nothing beyond that one retried call.
package final class GatewayConnection: Sendable {
    package let key: SigningKey
    package let client: WireClient
    private let clientVersion: String
    private let catalog = Mutex<[String: Choros_V1_ToolDefinition]>([:])
    private let boundDeployment = Mutex<String?>(nil)

    /// The deployment this connection's gateway named at the handshake; every op names it.
    package var deployment: String? { self.boundDeployment.withLock { $0 } }

    package init(socketPath: String, key: SigningKey, clientVersion: String = ChorosVersion.current) {
        self.key = key
        self.client = WireClient(socketPath: socketPath)
        self.clientVersion = clientVersion
    }

    /// Binds this connection to the key (IDENTITY.md, "The gateway handshake").
    @discardableResult
    package func handshake() async throws -> Choros_V1_BoundResponse {
        let nonce = try HandshakeProof.nonce()
        var hello = Choros_V1_HelloRequest()
        hello.author = self.key.author.rawValue
        hello.clientNonce = Data(nonce)
        hello.clientVersion = self.clientVersion
        let challenge = try await self.client.call(GatewayRPC.hello, hello)
        self.boundDeployment.withLock { $0 = challenge.deploymentID }
        var proof = Choros_V1_ProveRequest()
        proof.sig = Data(
            HandshakeProof.sign(
                deployment: challenge.deploymentID,
                serverNonce: Array(challenge.serverNonce),
                clientNonce: nonce,
                key: self.key
            )
        )
        return try await self.client.call(GatewayRPC.prove, proof)
    }

    /// The gateway's tool catalog, fetched once.
    package func tools() async throws -> [Choros_V1_ToolDefinition] {
        let cached = self.catalog.withLock { $0 }
        if !cached.isEmpty { return cached.values.sorted { $0.name < $1.name } }
        let tools = try await self.rebinding { try await self.client.call(GatewayRPC.listTools, .init()).tools }
        self.catalog.withLock { $0 = Dictionary(uniqueKeysWithValues: tools.map { ($0.name, $0) }) }
        return tools
    }

    /// Calls a tool with JSON arguments and returns its JSON result; a write is signed here.
    package func callTool(
        _ name: String,
        arguments: [String: JSONValue] = [:],
        timeout: Duration = .seconds(30)
    ) async throws -> String {
        if self.catalog.withLock({ $0.isEmpty }) { _ = try await self.tools() }
        var request = Choros_V1_CallToolRequest()
        request.name = name
        if let definition = self.catalog.withLock({ $0[name] }), !definition.opType.isEmpty {
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
        let options = CallOptions(timeout: timeout)
        return try await self.rebinding { try await self.client.call(GatewayRPC.callTool, request, options: options) }
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

    /// Runs `call`; if the gateway no longer knows this connection (it restarted), binds again
    /// and runs it once more.
    private func rebinding<Result>(_ call: () async throws -> Result) async throws -> Result {
        do {
            return try await call()
        } catch let error as RPCError where error.code == .unauthenticated && error.details["gate"] == "handshake" {
            try await self.handshake()
            return try await call()
        }
    }

    package func close() async { await self.client.close() }
}
