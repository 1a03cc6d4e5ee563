import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

/// All the daemons a gateway needs, canon bootstrapped, and enrolled instances that connect
/// as real clients: their own socket, the handshake, a signed op per write.
final class GatewayFixture: Sendable {
    let daemons: DaemonFixture
    let keys: Shared<[String: SigningKey]>

    static let allDaemons = ["store", "audit", "index", "gateway"]

    init(instances: [String] = ["alice", "bob"], extraConfiguration: String = "") async throws {
        self.daemons = try await DaemonFixture(daemons: Self.allDaemons, extraConfiguration: extraConfiguration)
        self.keys = Shared([:])
        _ = try await self.daemons.store.call(
            StoreRPC.bootstrap,
            .with {
                $0.files = [
                    .with {
                        $0.path = "technical/orientation/welcome.md"
                        $0.content = Data(
                            "---\ntype: ori\ntitle: Welcome\n---\n\nWelcome to the test deployment.\n".utf8
                        )
                    }
                ]
                $0.author = "practitioner"
            }
        )
        for name in instances { try await self.enroll(name) }
    }

    static func with<Result>(
        instances: [String] = ["alice", "bob"],
        extraConfiguration: String = "",
        _ body: (GatewayFixture) async throws -> Result
    ) async throws -> Result {
        let fixture = try await GatewayFixture(instances: instances, extraConfiguration: extraConfiguration)
        do {
            let result = try await body(fixture)
            await fixture.daemons.tearDown()
            return result
        } catch {
            await fixture.daemons.tearDown()
            throw error
        }
    }

    var socketPath: String { self.daemons.directory.path + "/data/run/gateway.sock" }

    /// Enrolls (or re-records) `name` on refs/cap/registry, as `choros-admin instance add` does.
    @discardableResult
    func enroll(_ name: String, revokedAt: Int64? = nil) async throws -> SigningKey {
        let key = try self.keys.value[name] ?? SigningKey.generate()
        self.keys.mutate { $0[name] = key }
        let record = InstanceRecord(
            name: try InstanceName(name),
            author: key.author,
            enrolledAt: 1,
            revokedAt: revokedAt
        )
        try await self.daemons.commit(
            "refs/cap/registry",
            [record.path: String(decoding: record.fileContent, as: UTF8.self)],
            author: "practitioner"
        )
        return key
    }

    /// A connected, bound client for `name`.
    func connect(_ name: String) async throws -> InstanceClient {
        let key = try #require(self.keys.value[name], "\(name) is not enrolled")
        let client = InstanceClient(name: name, key: key, socketPath: self.socketPath)
        try await client.handshake()
        return client
    }

    /// Lands a proposal through the store directly (the airlock's routine arrives with it):
    /// a practitioner-signed canon.land, then the state tag.
    func land(_ proposal: String, seq: Int) async throws -> String {
        var practitioner = self.keys.value["practitioner"]
        if practitioner == nil { practitioner = try await self.enroll("practitioner") }
        let prepared = try await self.daemons.store.call(
            StoreRPC.prepareMerge,
            .with { $0.proposalRef = "refs/cap/proposals/\(proposal)" }
        )
        let approval = try SignedOperation.make(
            type: .canonLand,
            body: [
                "proposal_id": .string(proposal), "candidate_oid": .string(prepared.candidateOid), "channel": "console",
            ],
            timestamp: Int64(Date().timeIntervalSince1970 * 1000),
            key: try #require(practitioner)
        )
        let landed = try await self.daemons.store.call(
            StoreRPC.landMerge,
            .with {
                $0.candidateOid = prepared.candidateOid
                $0.approval = approval.proto
            }
        )
        _ = try await self.daemons.store.call(
            StoreRPC.createTag,
            .with {
                $0.name = "state/\(String(seq, radix: 16))"
                $0.oid = landed.canonOid
            }
        )
        return landed.canonOid
    }

    /// The latest `denied` audit event of `actor`, as (gate, reason).
    func lastDenial(of actor: String) async throws -> (gate: String, reason: String)? {
        let latest = try await self.daemons.audit.call(
            AuditRPC.latest,
            .with {
                $0.op = "denied"
                $0.actor = actor
            }
        )
        guard latest.found else { return nil }
        let detail = try JSONSerialization.jsonObject(with: latest.event.detail) as? [String: Any]
        return (detail?["gate"] as? String ?? "", detail?["reason"] as? String ?? "")
    }
}

/// An instance as a native client would be: one connection, bound by the handshake, every
/// write a signed op built from the catalog's own description of the tool.
final class InstanceClient: Sendable {
    let name: String
    let key: SigningKey
    let client: WireClient
    let catalog: Shared<[String: Choros_V1_ToolDefinition]>

    init(name: String, key: SigningKey, socketPath: String) {
        self.name = name
        self.key = key
        self.client = WireClient(socketPath: socketPath)
        self.catalog = Shared([:])
    }

    func handshake() async throws {
        let nonce = try HandshakeProof.nonce()
        let challenge = try await self.client.call(
            GatewayRPC.hello,
            .with {
                $0.author = self.key.author.rawValue
                $0.clientNonce = Data(nonce)
                $0.clientVersion = "test"
            }
        )
        let signature = HandshakeProof.sign(
            serverNonce: Array(challenge.serverNonce),
            clientNonce: nonce,
            key: self.key
        )
        _ = try await self.client.call(GatewayRPC.prove, .with { $0.sig = Data(signature) })
        if self.catalog.value.isEmpty {
            let tools = try await self.client.call(GatewayRPC.listTools, .init()).tools
            self.catalog.mutate { $0 = Dictionary(uniqueKeysWithValues: tools.map { ($0.name, $0) }) }
        }
    }

    /// Calls a tool by name with JSON arguments; a write is signed here, as choros-mcp does.
    @discardableResult
    func call(
        _ tool: String,
        _ arguments: [String: JSONValue] = [:],
        signer: SigningKey? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> [String: Any] {
        var request = Choros_V1_CallToolRequest()
        request.name = tool
        if let definition = self.catalog.value[tool], !definition.opType.isEmpty {
            request.op = try self.sign(definition, arguments, signer: signer ?? self.key).proto
            request.code = arguments["code"]?.stringValue ?? ""
        } else {
            request.argumentsJson = String(decoding: CanonicalJSON.encode(.object(arguments)), as: UTF8.self)
        }
        let response = try await self.client.call(
            GatewayRPC.callTool,
            request,
            options: CallOptions(timeout: timeout)
        )
        return try JSONSerialization.jsonObject(with: Data(response.resultJson.utf8)) as? [String: Any] ?? [:]
    }

    /// The op a write tool's arguments make: renamed per the catalog, defaults filled, side
    /// arguments left out.
    func sign(
        _ definition: Choros_V1_ToolDefinition,
        _ arguments: [String: JSONValue],
        signer: SigningKey,
        timestamp: Int64 = Int64(Date().timeIntervalSince1970 * 1000)
    ) throws -> SignedOperation {
        let schema = try JSONParser.parse(Array(definition.inputSchemaJson.utf8))
        var body: [String: JSONValue] = [:]
        for (name, property) in schema["properties"]?.objectValue ?? [:] {
            guard !definition.sideArguments.contains(name), let value = arguments[name] ?? property["default"] else {
                continue
            }
            body[definition.bodyFields[name] ?? name] = value
        }
        for (name, value) in arguments where schema["properties"]?[name] == nil { body[name] = value }
        let type = try #require(OperationType(rawValue: definition.opType))
        return try SignedOperation.make(type: type, body: body, timestamp: timestamp, key: signer)
    }

    func close() async { await self.client.close() }
}

/// Expects a tool call to be refused with `code` by `gate`; returns the message.
@discardableResult
func expectRefusal(
    _ code: Choros_V1_Code,
    gate: String,
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> some Any
) async -> String {
    let error = await expectRPCError(code, comment, sourceLocation: sourceLocation, body)
    #expect(error?.details["gate"] == gate, "\(error?.description ?? "no error")", sourceLocation: sourceLocation)
    return error?.message ?? ""
}
