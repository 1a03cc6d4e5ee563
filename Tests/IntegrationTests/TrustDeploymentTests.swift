import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

/// TRUST.md, rule 7: one key enrolled in two deployments. What it signs for one, the other
/// refuses by name: a write through the gateway, a commit straight to the store, a handshake
/// proof made for the other deployment.
@Suite("Trust: bound to one deployment", .serialized, .timeLimit(.minutes(3)))
struct TrustDeploymentTests {
    @Test("an op or a proof signed for deployment A is refused by deployment B, naming both")
    func replayAcrossDeployments() async throws {
        try await GatewayFixture.with(instances: ["alice"]) { first in
            try await GatewayFixture.with(instances: []) { second in
                let key = try #require(first.keys.value["alice"])
                second.keys.mutate { $0["alice"] = key }
                try await second.enroll("alice")
                let a = try #require(first.daemons.signer.deployment)
                let b = try #require(second.daemons.signer.deployment)
                #expect(a != b)

                let inA = try await first.connect("alice")
                let inB = try await second.connect("alice")
                #expect(inB.connection.deployment == b, "the challenge names the deployment")
                let arguments: [String: JSONValue] = [
                    "domain": "notes", "slug": "once", "body": "For A only.", "op_id": "once",
                ]
                let op = try await inA.sign("kip_commit", arguments)
                #expect(op.deployment == a)
                _ = try await inA.client.call(
                    GatewayRPC.callTool,
                    .with {
                        $0.name = "kip_commit"
                        $0.op = op.proto
                    }
                )
                let replayed = await expectRPCError(.permissionDenied) {
                    try await inB.client.call(
                        GatewayRPC.callTool,
                        .with {
                            $0.name = "kip_commit"
                            $0.op = op.proto
                        }
                    )
                }
                #expect(replayed?.message.contains("names deployment \(a), not this one (\(b))") == true)

                // Straight to B's store, as a compromised daemon would: refused there too.
                var request = Choros_V1_CommitRequest()
                request.ref = "refs/cap/perspectives/alice"
                request.changes = [
                    .with {
                        $0.path = "notes/once.md"
                        $0.content = Data("For A only.".utf8)
                    }
                ]
                request.op = op.proto
                let toStore = await expectRPCError(.permissionDenied) {
                    try await second.daemons.store.call(StoreRPC.commit, request)
                }
                #expect(toStore?.message.contains("names deployment \(a)") == true)

                // A proof over B's challenge but for A's deployment does not bind.
                let raw = WireClient(socketPath: second.socketPath)
                let nonce = try HandshakeProof.nonce()
                let challenge = try await raw.call(
                    GatewayRPC.hello,
                    .with {
                        $0.author = key.author.rawValue
                        $0.clientNonce = Data(nonce)
                    }
                )
                let proof = HandshakeProof.sign(
                    deployment: a,
                    serverNonce: Array(challenge.serverNonce),
                    clientNonce: nonce,
                    key: key
                )
                await expectRefusal(.unauthenticated, gate: "handshake") {
                    try await raw.call(GatewayRPC.prove, .with { $0.sig = Data(proof) })
                }
                await raw.close()
                await inA.close()
                await inB.close()
            }
        }
    }
}
