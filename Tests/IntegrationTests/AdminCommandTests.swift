import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("choros-admin", .serialized)
struct AdminCommandTests {
    @Test(
        "init creates the practitioner key, enrolls it and the system key, bootstraps canon; instance add|list|revoke"
    )
    func initAndInstances() async throws {
        try await DaemonFixture.with(daemons: GatewayFixture.allDaemons, enrollSystem: false) { daemons in
            let fixture = try await GatewayFixture(reusing: daemons)
            let first = try await fixture.admin(["init", "--json"])
            #expect(first.status == 0, "\(first.error)")
            let keyPath = fixture.keysDirectory + "/practitioner.key"
            var info = stat()
            #expect(stat(keyPath, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
            let again = try await fixture.admin(["init", "--json"])
            #expect(again.status == 0, "init is repeatable: \(again.error)")
            #expect(again.output.contains("\"canon\":\"exists\""))

            let added = try await fixture.admin(["instance", "add", "Lintel", "--json"])
            #expect(added.status == 0, "\(added.error)")
            let addedJSON = try JSONSerialization.jsonObject(with: Data(added.output.utf8)) as? [String: Any] ?? [:]
            let instanceKey = try #require(addedJSON["key_file"] as? String)
            #expect(stat(instanceKey, &info) == 0 && info.st_mode & 0o777 == 0o600)
            let casing = try await fixture.admin(["instance", "add", "lintel"])
            #expect(casing.status == 1)
            #expect(casing.error.contains("unique ignoring case"))
            #expect(try await fixture.admin(["instance", "add", ".hidden"]).status == 2, "a bad name is a usage error")

            let listed = try await fixture.admin(["instance", "list", "--json"])
            let names =
                (try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [String: Any])?["instances"]
                as? [[String: Any]]
            #expect(
                names?.map { $0["name"] as? String }.sorted { ($0 ?? "") < ($1 ?? "") } == [
                    "Lintel", "practitioner", "system",
                ]
            )

            // The new instance connects with its key file, and is refused once revoked.
            let key = try SigningKey.load(from: instanceKey)
            let lintel = InstanceClient(name: "Lintel", key: key, socketPath: fixture.socketPath)
            try await lintel.bind()
            let orientation = try await lintel.call("orientation")["slots"] as? [[String: Any]] ?? []
            #expect(orientation.contains { $0["name"] as? String == "welcome" && $0["authored"] as? Bool == true })
            let revoked = try await fixture.admin(["instance", "revoke", "lintel"])
            #expect(revoked.status == 0, "\(revoked.error)")
            await expectRefusal(.permissionDenied, gate: "identity") { try await lintel.call("whoami") }
            await lintel.close()

            // Every registry change is a practitioner-signed op in the audit log.
            let enrolls = try await fixture.auditEvents(op: "instance.enroll")
            #expect(enrolls.count == 3)
            #expect(enrolls.allSatisfy { !$0.envelope.isEmpty })
            #expect(try await fixture.auditEvents(op: "instance.revoke").count == 1)
            #expect(try await daemons.verify(checkEnvelopes: true).ok)
        }
    }

    @Test("staging through the gateway freezes a proposal until it is reverted")
    func relayFreezes() async throws {
        try await GatewayFixture.with { fixture in
            try await fixture.preparePractitioner()
            let totp = try fixture.provisionTOTP()
            let alice = try await fixture.connect("alice")
            try await alice.call(
                "propose",
                ["proposal_id": "p1", "domain": "notes", "slug": "a", "body": "Ibex.", "op_id": "a"]
            )
            try await alice.call(
                "propose",
                ["proposal_id": "p1", "domain": "meta/log", "slug": "1", "body": "Ibex.", "op_id": "l"]
            )
            let code = totp.code(window: TOTP.window(at: Int64(Date().timeIntervalSince1970)))
            let staged = try await alice.call("stage_approve", ["proposal_id": "p1", "code": .string(code)])
            #expect(staged["state"] as? String == "staged")
            #expect((staged["staged_oid"] as? String)?.count == 40)
            await expectRefusal(.failedPrecondition, gate: "propose.frozen") {
                try await alice.call(
                    "propose",
                    ["proposal_id": "p1", "domain": "notes", "slug": "b", "body": "x", "op_id": "b"]
                )
            }
            await expectRefusal(.failedPrecondition, gate: "propose.frozen") {
                try await alice.call("propose_retract", ["proposal_id": "p1", "path": "notes/a", "op_id": "r"])
            }
            // The code never reaches the audit log; the window it matched does.
            let stageEvent = try #require(try await fixture.auditEvents(op: "airlock.stage").first)
            #expect(!String(decoding: stageEvent.detail + stageEvent.envelope, as: UTF8.self).contains(code))
            let landEarly = await expectRPCError(.failedPrecondition) {
                try await alice.call(
                    "land_approve",
                    [
                        "staged_oid_prefix": .string(String((staged["staged_oid"] as? String ?? "").prefix(8))),
                        "code": .string(code),
                    ]
                )
            }
            #expect(landEarly?.details["gate"] == "floor")
            #expect(try await alice.call("stage_revert", ["proposal_id": "p1"])["state"] as? String == "reverted")
            try await alice.call(
                "propose",
                ["proposal_id": "p1", "domain": "notes", "slug": "b", "body": "x", "op_id": "b"]
            )
            await alice.close()
        }
    }
}
