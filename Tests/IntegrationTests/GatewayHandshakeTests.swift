import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("Gateway handshake", .serialized)
struct GatewayHandshakeTests {
    private func hello(_ client: WireClient, _ key: SigningKey, nonce: [UInt8]) async throws -> [UInt8] {
        let challenge = try await client.call(
            GatewayRPC.hello,
            .with {
                $0.author = key.author.rawValue
                $0.clientNonce = Data(nonce)
            }
        )
        return Array(challenge.serverNonce)
    }

    @Test("a correct proof binds; wrong, unenrolled, revoked and replayed proofs are refused")
    func handshakeRules() async throws {
        try await GatewayFixture.with { fixture in
            let alice = try await fixture.connect("alice")
            #expect(try await alice.call("whoami")["name"] as? String == "alice")

            // Unbound: Health and the handshake only.
            let unbound = WireClient(socketPath: fixture.socketPath)
            defer { Task { await unbound.close() } }
            _ = try await unbound.call(HealthRPC.check, .init())
            await expectRefusal(.unauthenticated, gate: "handshake") {
                try await unbound.call(GatewayRPC.callTool, .with { $0.name = "whoami" })
            }
            let whoami: RPCMethod<Choros_V1_WhoamiRequest, Choros_V1_WhoamiResponse> = GatewayRPC.tool("Whoami")
            await expectRefusal(.unauthenticated, gate: "handshake") { try await unbound.call(whoami, .init()) }
            #expect(try await fixture.lastDenial(of: "unbound")?.gate == "handshake")

            // A wrong signature (bob's key over alice's challenge) is refused, and the
            // challenge is spent: proving again finds none.
            let aliceKey = try #require(fixture.keys.value["alice"])
            let bobKey = try #require(fixture.keys.value["bob"])
            let nonce = try HandshakeProof.nonce()
            let serverNonce = try await self.hello(unbound, aliceKey, nonce: nonce)
            let forged = HandshakeProof.sign(
                deployment: fixture.daemons.signer.deployment ?? "",
                serverNonce: serverNonce,
                clientNonce: nonce,
                key: bobKey
            )
            await expectRefusal(.unauthenticated, gate: "handshake") {
                try await unbound.call(GatewayRPC.prove, .with { $0.sig = Data(forged) })
            }
            let genuine = HandshakeProof.sign(
                deployment: fixture.daemons.signer.deployment ?? "",
                serverNonce: serverNonce,
                clientNonce: nonce,
                key: aliceKey
            )
            await expectRefusal(.failedPrecondition, gate: "handshake", "the challenge was used") {
                try await unbound.call(GatewayRPC.prove, .with { $0.sig = Data(genuine) })
            }

            // A proof is bound to its connection's challenge: replayed on another, it fails.
            let other = WireClient(socketPath: fixture.socketPath)
            defer { Task { await other.close() } }
            let firstNonce = try await self.hello(unbound, aliceKey, nonce: nonce)
            _ = try await self.hello(other, aliceKey, nonce: nonce)
            let proof = HandshakeProof.sign(
                deployment: fixture.daemons.signer.deployment ?? "",
                serverNonce: firstNonce,
                clientNonce: nonce,
                key: aliceKey
            )
            await expectRefusal(.unauthenticated, gate: "handshake") {
                try await other.call(GatewayRPC.prove, .with { $0.sig = Data(proof) })
            }
            _ = try await unbound.call(GatewayRPC.prove, .with { $0.sig = Data(proof) })
            _ = try await unbound.call(whoami, .init())
            await expectRefusal(.failedPrecondition, gate: "handshake", "a replayed proof") {
                try await unbound.call(GatewayRPC.prove, .with { $0.sig = Data(proof) })
            }

            // An unenrolled key never gets a challenge.
            let stranger = try SigningKey.generate()
            await expectRefusal(.permissionDenied, gate: "identity") {
                try await self.hello(other, stranger, nonce: nonce)
            }

            // A signed op whose author is not the bound key is refused.
            await expectRefusal(.permissionDenied, gate: "identity") {
                try await alice.call(
                    "kip_commit",
                    ["domain": "notes", "slug": "x", "body": "b", "op_id": "x1"],
                    signer: bobKey
                )
            }

            // Revoking bob refuses his bound connection from the next call, and his Hello.
            let bob = try await fixture.connect("bob")
            _ = try await bob.call("whoami")
            try await fixture.enroll("bob", revoked: true)
            await expectRefusal(.permissionDenied, gate: "identity") { try await bob.call("whoami") }
            await expectRefusal(.permissionDenied, gate: "identity") { try await bob.handshake() }
            #expect(try await fixture.lastDenial(of: "unbound")?.reason.contains("revoked") == true)
            await alice.close()
            await bob.close()
        }
    }
}
