import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("Gateway against hostile input", .serialized)
struct GatewayRobustnessTests {
    @Test("garbage frames, wrong types, 2 MB bodies, unknown tools and look-alike names are refused; the gateway lives")
    func hostileInput() async throws {
        try await GatewayFixture.with { fixture in
            for garbage in [[0, 0, 0, 12] + Array("not protobuf".utf8), [0xff, 0xff, 0xff, 0xff]] as [[UInt8]] {
                let socket = try await RawSocket.connect(path: fixture.socketPath)
                try await socket.send(garbage)
                // The server names the problem in one error frame, then closes.
                let prefix = try #require(try await socket.receive(exactly: 4))
                let length = prefix.reduce(0) { $0 << 8 | Int($1) }
                let frame = try Choros_V1_Frame(
                    serializedBytes: try #require(try await socket.receive(exactly: length))
                )
                #expect(frame.status.code != .ok)
                #expect(try await socket.isClosedByPeer())
            }

            let alice = try await fixture.connect("alice")
            await expectRefusal(.invalidArgument, gate: "input") {
                try await alice.call("kip_get", ["ref": 5, "path": "notes/a"])
            }
            await expectRefusal(.invalidArgument, gate: "input") {
                try await alice.call("map_search", ["query": "x", "limit": "ten"])
            }
            await expectRefusal(.invalidArgument, gate: "input") {
                try await alice.call("map_search", ["query": "x", "surprise": true])
            }
            await expectRefusal(.notFound, gate: "input") { try await alice.call("no_such_tool") }
            let huge = String(repeating: "x", count: 2 << 20)
            let tooBig = await expectRefusal(.resourceExhausted, gate: "input") {
                try await alice.call(
                    "kip_commit",
                    ["domain": "notes", "slug": "big", "body": .string(huge), "op_id": "big"]
                )
            }
            #expect(tooBig.contains("1048576"))
            // Bodies no honest client would sign (the client library refuses to): the op gate
            // refuses them before anything is read or written.
            let traversal = await expectRefusal(.invalidArgument, gate: "op", "a path-traversing domain") {
                try await alice.client.call(
                    GatewayRPC.callTool,
                    .with {
                        $0.name = "kip_commit"
                        $0.op = self.unsigned(
                            .entryCommit,
                            alice.key,
                            ["domain": "../etc", "slug": "x", "body": "b", "key": "t1"]
                        )
                    }
                )
            }
            #expect(traversal.contains("'..'"))
            await expectRefusal(.invalidArgument, gate: "op", "front-matter injection through a slug") {
                try await alice.client.call(
                    GatewayRPC.callTool,
                    .with {
                        $0.name = "kip_commit"
                        $0.op = self.unsigned(
                            .entryCommit,
                            alice.key,
                            ["domain": "notes", "slug": "a\nstatus: x", "body": "b", "key": "t2"]
                        )
                    }
                )
            }
            // A Cyrillic look-alike of an enrolled name is no name at all.
            let lookAlike = await expectRefusal(.invalidArgument, gate: "op") {
                try await alice.client.call(
                    GatewayRPC.callTool,
                    .with {
                        $0.name = "imp_send"
                        $0.op = self.unsigned(
                            .messageSend,
                            alice.key,
                            ["recipients": ["b\u{043E}b"], "subject": "s", "body": "b", "key": "u1"]
                        )
                    }
                )
            }
            #expect(lookAlike.contains("recipients"))
            // A title with a newline cannot inject a field: it stays one value.
            try await alice.call(
                "kip_commit",
                ["domain": "notes", "slug": "t", "body": "b", "op_id": "t3", "title": "T\nstatus: superseded"]
            )
            let injected = try await alice.call("kip_get", ["ref": "alice", "path": "notes/t", "resolve": "exact"])
            #expect(injected["status"] as? String == "active")
            #expect(injected["title"] as? String == "T\nstatus: superseded")
            await expectRefusal(.notFound, gate: "input") {
                try await alice.call("kip_get", ["ref": "\u{0430}lice", "path": "notes/a"])
            }
            // A write without its signed op, and a write tool called with an op of another type.
            await expectRefusal(.invalidArgument, gate: "input") {
                try await alice.client.call(GatewayRPC.callTool, .with { $0.name = "kip_commit" })
            }
            let wrongType = try await alice.sign(
                "imp_send",
                ["recipients": ["bob"], "subject": "s", "body": "b", "op_id": "w1"]
            )
            await expectRefusal(.invalidArgument, gate: "input") {
                try await alice.client.call(
                    GatewayRPC.callTool,
                    .with {
                        $0.name = "kip_commit"
                        $0.op = wrongType.proto
                    }
                )
            }
            // A stale op (the author's clock far off) is refused by the op gate.
            let stale = try await alice.sign(
                "kip_commit",
                ["domain": "notes", "slug": "s", "body": "b", "op_id": "s1"],
                timestamp: 1_000
            )
            await expectRefusal(.failedPrecondition, gate: "op") {
                try await alice.client.call(
                    GatewayRPC.callTool,
                    .with {
                        $0.name = "kip_commit"
                        $0.op = stale.proto
                    }
                )
            }
            #expect(try await alice.call("whoami")["name"] as? String == "alice", "the gateway still serves")
            #expect(fixture.daemons.daemons.value["gateway"].map { isProcessAlive($0.pid) } == true)
            await alice.close()
        }
    }

    /// An op the client library would refuse to make: its body fails validation, which the
    /// gateway checks before the signature, so the signature can be anything.
    private func unsigned(_ type: OperationType, _ key: SigningKey, _ body: JSONValue) -> Choros_V1_SignedOp {
        .with {
            $0.v = 1
            $0.type = type.rawValue
            $0.author = key.author.rawValue
            $0.ts = Int64(Date().timeIntervalSince1970 * 1000)
            $0.body = Data(CanonicalJSON.encode(body))
            $0.sig = String(repeating: "0", count: 128)
            $0.opID = "op_" + String(repeating: "0", count: 64)
        }
    }
}
