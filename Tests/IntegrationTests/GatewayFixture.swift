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

    static let allDaemons = ["store", "audit", "index", "airlock", "gateway"]

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

    /// A fixture over daemons a test already started (canon as the test made it).
    init(reusing daemons: DaemonFixture) async throws {
        self.daemons = daemons
        self.keys = Shared([:])
    }

    static func with<Result>(
        instances: [String] = ["alice", "bob"],
        extraConfiguration: String = "",
        _ body: (GatewayFixture) async throws -> Result
    ) async throws -> Result {
        try await TestSlots.shared {
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
    }

    var socketPath: String { self.daemons.directory.path + "/data/run/gateway.sock" }

    /// Enrolls (or re-records) `name` on refs/cap/registry, as `choros-admin instance add` does.
    @discardableResult
    func enroll(_ name: String, revoked: Bool = false) async throws -> SigningKey {
        let key = try await self.daemons.signer.enroll(name, key: self.keys.value[name])
        if revoked { try await self.daemons.signer.revoke(name) }
        self.keys.mutate { $0[name] = key }
        return key
    }

    /// A connected, bound client for `name`.
    func connect(_ name: String) async throws -> InstanceClient {
        let key = try #require(self.keys.value[name], "\(name) is not enrolled")
        let client = InstanceClient(name: name, key: key, socketPath: self.socketPath)
        try await client.bind()
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
            key: try #require(practitioner),
            deployment: self.daemons.signer.deployment
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
/// write a signed op (`GatewayConnection`), results parsed as JSON.
final class InstanceClient: Sendable {
    let name: String
    let connection: GatewayConnection

    init(name: String, key: SigningKey, socketPath: String) {
        self.name = name
        self.connection = GatewayConnection(socketPath: socketPath, key: key, clientVersion: "test")
    }

    var key: SigningKey { self.connection.key }
    var client: WireClient { self.connection.client }

    /// Connects, binding the connection as every new one is.
    func bind() async throws {
        try await self.connection.bind()
    }

    /// Binds the current connection again.
    func handshake() async throws {
        try await self.connection.handshake()
    }

    func definition(_ tool: String) async throws -> Choros_V1_ToolDefinition {
        try #require(try await self.connection.tools().first { $0.name == tool })
    }

    /// Calls a tool by name with JSON arguments; `signer` signs a write with another key.
    @discardableResult
    func call(
        _ tool: String,
        _ arguments: [String: JSONValue] = [:],
        signer: SigningKey? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> [String: Any] {
        let json: String
        if let signer {
            let op = try GatewayConnection.signedOp(
                for: try await self.definition(tool),
                arguments: arguments,
                key: signer,
                deployment: self.connection.deployment
            )
            json = try await self.client.call(
                GatewayRPC.callTool,
                .with {
                    $0.name = tool
                    $0.op = op.proto
                }
            ).resultJson
        } else {
            json = try await self.connection.callTool(tool, arguments: arguments, timeout: timeout)
        }
        return try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
    }

    /// A signed op for `tool`, as a client would send it.
    func sign(_ tool: String, _ arguments: [String: JSONValue], timestamp: Int64? = nil) async throws -> SignedOperation
    {
        let definition = try await self.definition(tool)
        if let timestamp {
            return try GatewayConnection.signedOp(
                for: definition,
                arguments: arguments,
                key: self.key,
                deployment: self.connection.deployment,
                timestamp: timestamp
            )
        }
        return try GatewayConnection.signedOp(
            for: definition,
            arguments: arguments,
            key: self.key,
            deployment: self.connection.deployment
        )
    }

    func close() async { await self.connection.close() }
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
