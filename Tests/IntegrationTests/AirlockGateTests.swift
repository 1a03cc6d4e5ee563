import ChorosAirlock
internal import ChorosClients
import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import Logging
import SwiftProtobuf
import Testing

/// The TOTP airlock's rules (CANON.md), each with an injectable clock: the gate runs in
/// process against the real store, audit and index daemons.
@Suite("Airlock gate", .serialized)
struct AirlockGateTests {
    /// A clock the test moves; starts 5 s into a TOTP window.
    final class TestClock: Sendable {
        let now: Shared<Int64>
        init() {
            let real = Int64(Date().timeIntervalSince1970)
            self.now = Shared((real - real % 30 + 5) * 1000)
        }
        func advance(seconds: Int64) { self.now.mutate { $0 += seconds * 1000 } }
        var window: Int64 { self.now.value / 1000 / 30 }
    }

    struct Harness {
        let fixture: GatewayFixture
        let gate: AirlockGate
        let clock: TestClock
        let totp: TOTP

        var code: String { self.totp.code(window: self.clock.window) }

        /// The relaying instance's signed op, as the gateway passes it on.
        func relay(
            _ type: OperationType,
            _ field: String,
            _ value: String,
            as instance: String
        ) throws -> (
            envelope: Data, opID: String
        ) {
            let key = try #require(self.fixture.keys.value[instance], "\(instance) is not enrolled")
            let op = try SignedOperation.make(
                type: type,
                body: [field: .string(value), "key": .string(UUID().uuidString)],
                timestamp: Int64(Date().timeIntervalSince1970 * 1000),
                key: key,
                deployment: self.fixture.daemons.signer.deployment
            )
            return (Data(op.canonicalBytes), op.id.rawValue)
        }

        func stage(
            _ proposal: String,
            code: String? = nil,
            as instance: String = "alice"
        ) async throws
            -> Choros_V1_StagedProposal
        {
            let relay = try self.relay(.airlockStage, "proposal_id", proposal, as: instance)
            return try await self.gate.stage(
                .with {
                    $0.proposalID = proposal
                    $0.code = code ?? self.code
                    $0.envelope = relay.envelope
                    $0.opID = relay.opID
                }
            )
        }

        func land(
            _ prefix: String,
            code: String? = nil,
            as instance: String = "alice"
        ) async throws -> Choros_V1_LandResult {
            let relay = try self.relay(.airlockLand, "staged_oid_prefix", prefix, as: instance)
            return try await self.gate.land(
                .with {
                    $0.stagedOidPrefix = prefix
                    $0.code = code ?? self.code
                    $0.envelope = relay.envelope
                    $0.opID = relay.opID
                }
            )
        }

        func revert(_ proposal: String, as instance: String = "alice") async throws -> Choros_V1_RevertResponse {
            let relay = try self.relay(.airlockRevert, "proposal_id", proposal, as: instance)
            return try await self.gate.revert(
                .with {
                    $0.proposalID = proposal
                    $0.envelope = relay.envelope
                    $0.opID = relay.opID
                }
            )
        }

        func windowsUsed(_ purpose: String) async throws -> Int {
            try await self.fixture.auditEvents(op: "airlock.window").filter { $0.actor == purpose }.count
        }

        func proposal(_ id: String, seq: String) async throws {
            try await self.fixture.rawProposal(
                id,
                [
                    "notes/\(id).md": "---\ntype: kno\n---\n\n\(id).\n",
                    "meta/log/\(seq).md": GatewayFixture.logEntry(seq),
                ]
            )
        }
    }

    private func withGate(floor: Int? = nil, _ body: (Harness) async throws -> Void) async throws {
        try await DaemonFixture.with(daemons: ["store", "audit", "index"]) { daemons in
            _ = try await daemons.store.call(
                StoreRPC.bootstrap,
                .with {
                    $0.files = [
                        .with {
                            $0.path = "README.md"
                            $0.content = Data("canon\n".utf8)
                        }
                    ]
                    $0.author = "practitioner"
                }
            )
            let fixture = try await GatewayFixture(reusing: daemons)
            try await fixture.preparePractitioner()
            for name in ["alice", "mallory"] { try await fixture.enroll(name) }
            let totp = try fixture.provisionTOTP()
            var configuration = try ChorosConfiguration.load(file: daemons.configurationPath, dataDirectory: nil)
            if let floor { configuration.airlockFloorSeconds = floor }
            let clients = daemons.typed
            let logger = Logger(label: "test.airlock")
            let clock = TestClock()
            let gate = AirlockGate(
                daemons: clients,
                configuration: configuration,
                lander: Lander(daemons: clients, configuration: configuration, logger: logger),
                logger: logger,
                clock: { clock.now.value }
            )
            try await body(Harness(fixture: fixture, gate: gate, clock: clock, totp: totp))
        }
    }

    @Test("stage: a failure before the code burns no window; already staged is refused; a window stages once")
    func stageRules() async throws {
        try await self.withGate { airlock in
            try await airlock.fixture.rawProposal("nolog", ["notes/x.md": "x"])
            let refused = await expectRPCError(.failedPrecondition) { try await airlock.stage("nolog") }
            #expect(refused?.details["gate"] == "log_entry")
            #expect(try await airlock.windowsUsed("stage") == 0, "no window burned")

            try await airlock.proposal("p1", seq: "1")
            let staged = try await airlock.stage("p1")
            #expect(staged.stagedOid.count == 40)
            #expect(staged.landsAfterMs == staged.stagedAtMs + 120_000)
            #expect(staged.expiresAtMs == staged.stagedAtMs + 7_200_000)
            #expect(staged.seq == "1")
            #expect(try await airlock.gate.stagedProposals().map(\.stagedOid) == [staged.stagedOid])
            let again = await expectRPCError(.failedPrecondition) { try await airlock.stage("p1") }
            #expect(again?.details["gate"] == "staged")

            // Revert is free; the same window never stages twice.
            #expect(try await airlock.revert("p1").reverted)
            #expect(try await airlock.gate.stagedProposals().isEmpty)
            let replay = await expectRPCError(.permissionDenied) { try await airlock.stage("p1") }
            #expect(replay?.message.contains("already used") == true)
            airlock.clock.advance(seconds: 30)
            _ = try await airlock.stage("p1")
            #expect(try await airlock.gate.stagedState("p1").staged)
        }
    }

    @Test(
        "a connector's approval: a window approves once, shared with stage; a new instance is enrolled with a door-held key"
    )
    func connectorWindows() async throws {
        try await self.withGate { airlock in
            let configuration = try ChorosConfiguration.load(
                file: airlock.fixture.daemons.configurationPath,
                dataDirectory: nil
            )
            let clients = airlock.fixture.daemons.typed
            let desk = ConnectorDesk(
                daemons: clients,
                configuration: configuration,
                keeper: RegistryKeeper(daemons: clients, configuration: configuration),
                gate: airlock.gate
            )
            func approve(_ instance: String, code: String? = nil) async throws -> Choros_V1_ConnectorApproveResponse {
                try await desk.approve(
                    byCode: .with {
                        $0.transaction = "cht_test"
                        $0.instance = instance
                        $0.clientID = "chc_test"
                        $0.clientName = "test client"
                        $0.code = code ?? airlock.code
                    }
                )
            }
            // alice's key is not the door's to hold: refused before the code, no window spent.
            let held = await expectRPCError(.failedPrecondition) { try await approve("alice") }
            #expect(held?.details["gate"] == "connector")
            #expect(try await airlock.windowsUsed("connector") == 0)

            let approved = try await approve("remote")
            #expect(approved.enrolled && approved.window == airlock.clock.window)
            let key = try SigningKey.load(from: configuration.keysDirectory + "/connectors/remote.key")
            #expect(key.author.rawValue == approved.author)
            let registry = try await clients.store.registry.current()
            #expect(registry.record(named: "remote")?.author == key.author)
            let enrollment = try #require(try await airlock.fixture.auditEvents(op: "instance.enroll").last)
            #expect(enrollment.actor == "practitioner" && !enrollment.envelope.isEmpty)

            // The window that approved the connector stages nothing, nor approves again.
            try await airlock.proposal("p1", seq: "1")
            let staged = await expectRPCError(.permissionDenied) { try await airlock.stage("p1") }
            #expect(staged?.message.contains("already used to approve a connector") == true)
            let again = await expectRPCError(.permissionDenied) { try await approve("remote") }
            #expect(again?.message.contains("already used") == true)

            // And a window that staged approves no connector.
            airlock.clock.advance(seconds: 30)
            _ = try await airlock.stage("p1")
            let afterStage = await expectRPCError(.permissionDenied) { try await approve("remote") }
            #expect(afterStage?.message.contains("already used to stage") == true)
            airlock.clock.advance(seconds: 30)
            let second = try await approve("remote")
            #expect(!second.enrolled, "an instance whose key the door holds is approved as it is")
            let approvals = try await airlock.fixture.auditEvents(op: "connector.approve")
            #expect(approvals.count == 2)

            // Thirty wrong codes in a day (fewer than ten a minute) stop approvals by code: the
            // two replays above were wrong codes too.
            let wrong = airlock.code == "000000" ? "111111" : "000000"
            for _ in 0..<7 {
                airlock.clock.advance(seconds: 61)
                for _ in 0..<4 {
                    _ = await expectRPCError(.permissionDenied) { try await approve("remote", code: wrong) }
                }
            }
            airlock.clock.advance(seconds: 61)
            let daily = await expectRPCError(.resourceExhausted) { try await approve("remote") }
            #expect(daily?.message.contains("30 wrong connector codes within a day") == true)
            let detail = try JSONParser.parse(Array(try #require(approvals.first).detail))
            #expect(detail["channel"]?.stringValue == "totp" && detail["window"]?.integerValue == approved.window)
        }
    }

    @Test("land: content binding, the floor before the code, then the seven steps through the airlock channel")
    func landRules() async throws {
        try await self.withGate { airlock in
            try await airlock.proposal("p1", seq: "1")
            let staged = try await airlock.stage("p1")
            // A prefix under 8 digits cannot even be signed (the op's schema), so none is relayed.
            #expect(throws: OperationError.self) {
                try airlock.relay(.airlockLand, "staged_oid_prefix", String(staged.stagedOid.prefix(7)), as: "alice")
            }
            let other = (staged.stagedOid.first == "0" ? "1" : "0") + staged.stagedOid.dropFirst().prefix(7)
            let none = await expectRPCError(.notFound) { try await airlock.land(other) }
            #expect(none?.message.contains("what lands must be exactly what was staged") == true)

            airlock.clock.advance(seconds: 60)
            let early = await expectRPCError(.failedPrecondition) {
                try await airlock.land(String(staged.stagedOid.prefix(8)))
            }
            #expect(early?.details["gate"] == "floor")
            #expect(try await airlock.windowsUsed("land") == 0, "the floor is checked before the code")

            airlock.clock.advance(seconds: 61)
            let result = try await airlock.land(String(staged.stagedOid.prefix(8)))
            #expect(result.channel == "airlock")
            #expect(result.tag == "state/1")
            #expect(result.canonOid == staged.stagedOid, "what lands is exactly the staged candidate")
            #expect(try await airlock.fixture.stateTags() == ["refs/tags/state/1"])
            let event = try #require(try await airlock.fixture.auditEvents(op: "land_merge").first)
            let detail = try JSONParser.parse(Array(event.detail))
            #expect(detail["channel"]?.stringValue == "airlock")
            #expect(detail["relayed_by"]?.stringValue == "alice")
            #expect(try await airlock.fixture.anchoredSeq() >= Int64(event.seq))
            #expect(!(try await airlock.gate.stagedState("p1").staged))
        }
    }

    @Test("five wrong codes revert the stage and bar the instance; staging codes count per proposal and per instance")
    func bruteForce() async throws {
        try await self.withGate { airlock in
            try await airlock.proposal("p1", seq: "1")
            try await airlock.proposal("p2", seq: "1")
            let staged = try await airlock.stage("p1")
            airlock.clock.advance(seconds: 150)
            let prefix = String(staged.stagedOid.prefix(10))
            let wrong = airlock.code == "000000" ? "111111" : "000000"
            for attempt in 1...5 {
                let error = await expectRPCError(.permissionDenied) { try await airlock.land(prefix, code: wrong) }
                #expect(error?.details["gate"] == "code", "attempt \(attempt)")
            }
            #expect(!(try await airlock.gate.stagedState("p1").staged), "five strikes revert the stage")
            let reverts = try await airlock.fixture.auditEvents(op: "airlock.revert")
            #expect(
                reverts.last.flatMap { try? JSONParser.parse(Array($0.detail))["reason"]?.stringValue } == "brute_force"
            )
            let barred = await expectRPCError(.resourceExhausted) { try await airlock.stage("p2") }
            #expect(barred?.message.contains("'alice' forced a brute-force revert") == true)

            // Wrong staging codes: five against one proposal close it to staging for a minute…
            for _ in 1...5 {
                _ = await expectRPCError(.permissionDenied) {
                    try await airlock.stage("p1", code: wrong, as: "mallory")
                }
            }
            let closed = await expectRPCError(.resourceExhausted) { try await airlock.stage("p1", as: "mallory") }
            #expect(closed?.message.contains("5 wrong codes against 'p1'") == true)
            // …and ten failures a minute from one instance close the airlock to it.
            for _ in 1...5 {
                _ = await expectRPCError(.permissionDenied) {
                    try await airlock.stage("p2", code: wrong, as: "mallory")
                }
            }
            let limited = await expectRPCError(.resourceExhausted) { try await airlock.stage("p2", as: "mallory") }
            #expect(limited?.details["gate"] == "rate")
            #expect(limited?.message.contains("10 failed attempts from 'mallory'") == true)
            airlock.clock.advance(seconds: 61)
            _ = try await airlock.stage("p1", as: "mallory")
        }
    }

    @Test("two relays × 64 concurrent wrong landing codes: five strikes, one revert, then rate refusals only")
    func concurrentWrongCodes() async throws {
        try await self.withGate { airlock in
            try await airlock.proposal("p1", seq: "1")
            let staged = try await airlock.stage("p1")
            airlock.clock.advance(seconds: 150)
            let prefix = String(staged.stagedOid.prefix(12))
            let wrong = airlock.code == "000000" ? "111111" : "000000"
            let codes = await withTaskGroup(of: (Choros_V1_Code, String).self) { group in
                for _ in 0..<2 {
                    for _ in 0..<64 {
                        group.addTask {
                            do {
                                _ = try await airlock.land(prefix, code: wrong)
                                return (.ok, "")
                            } catch let error as any WireErrorConvertible {
                                return (error.rpcError.code, error.rpcError.details["gate"] ?? "")
                            } catch {
                                return (.unknown, "\(error)")
                            }
                        }
                    }
                }
                var codes: [(Choros_V1_Code, String)] = []
                for await code in group { codes.append(code) }
                return codes
            }
            #expect(codes.filter { $0 == (.permissionDenied, "code") }.count == 5)
            #expect(codes.filter { $0 == (.resourceExhausted, "rate") }.count == 123)
            let strikes = try await airlock.fixture.auditEvents(op: "airlock.reject").filter { $0.targetPath == "p1" }
            #expect(strikes.count == 5, "exactly five strikes were counted")
            let reverts = try await airlock.fixture.auditEvents(op: "airlock.revert")
            #expect(reverts.count == 1)

            // The right code after the revert does not land, from this instance or another.
            let barred = await expectRPCError(.resourceExhausted) { try await airlock.land(prefix) }
            #expect(barred?.details["gate"] == "rate")
            airlock.clock.advance(seconds: 61)
            let gone = await expectRPCError(.notFound) { try await airlock.land(prefix) }
            #expect(gone?.details["gate"] == "content_binding")
            #expect(try await airlock.fixture.stateTags().isEmpty, "nothing landed")
        }
    }

    @Test("one window stages one proposal even under concurrency, and the audit log's index backs it")
    func oneWindowOneStage() async throws {
        try await self.withGate { airlock in
            let proposals = (1...8).map { "c\($0)" }
            for proposal in proposals { try await airlock.proposal(proposal, seq: "1") }
            let code = airlock.code
            let staged = await withTaskGroup(of: Bool.self) { group in
                for proposal in proposals {
                    group.addTask { (try? await airlock.stage(proposal, code: code)) != nil }
                }
                var staged = 0
                for await ok in group where ok { staged += 1 }
                return staged
            }
            #expect(staged == 1)
            #expect(try await airlock.windowsUsed("stage") == 1)

            // Another writer (a second airlock, the HTTP door) cannot record the window again.
            let window = try #require(try await airlock.fixture.auditEvents(op: "airlock.window").first)
            let again = await expectRPCError(.alreadyExists) {
                try await airlock.fixture.daemons.append([
                    .with {
                        $0.actor = window.actor
                        $0.op = "airlock.window"
                        $0.targetPath = window.targetPath
                        $0.outcome = "ok"
                    }
                ])
            }
            #expect(again?.message.contains("already recorded") == true)
        }
    }

    @Test("the relaying instance is the one that signed the op, never a field of the request")
    func relayIsProven() async throws {
        try await self.withGate { airlock in
            try await airlock.proposal("p1", seq: "1")
            let relay = try airlock.relay(.airlockStage, "proposal_id", "p1", as: "alice")
            let unsigned = await expectRPCError(.invalidArgument) {
                try await airlock.gate.stage(
                    .with {
                        $0.instance = "alice"
                        $0.proposalID = "p1"
                        $0.code = airlock.code
                    }
                )
            }
            #expect(unsigned?.details["gate"] == "relay")
            let otherProposal = await expectRPCError(.invalidArgument) {
                try await airlock.gate.stage(
                    .with {
                        $0.proposalID = "p2"
                        $0.code = airlock.code
                        $0.envelope = relay.envelope
                        $0.opID = relay.opID
                    }
                )
            }
            #expect(otherProposal?.message.contains("proposal_id is not 'p2'") == true)
            // `instance` says mallory; the strike is alice's, who signed.
            _ = await expectRPCError(.permissionDenied) {
                try await airlock.gate.stage(
                    .with {
                        $0.instance = "mallory"
                        $0.proposalID = "p1"
                        $0.code = airlock.code == "000000" ? "111111" : "000000"
                        $0.envelope = relay.envelope
                        $0.opID = relay.opID
                    }
                )
            }
            let strike = try #require(try await airlock.fixture.auditEvents(op: "airlock.reject").last)
            #expect(strike.actor == "alice")
        }
    }

    @Test("a stage older than the ceiling is reverted when observed (ttl)")
    func ttl() async throws {
        try await self.withGate { airlock in
            try await airlock.proposal("p1", seq: "1")
            _ = try await airlock.stage("p1")
            airlock.clock.advance(seconds: 7_200)
            #expect(!(try await airlock.gate.stagedState("p1").staged))
            let revert = try #require(try await airlock.fixture.auditEvents(op: "airlock.revert").last)
            #expect(try JSONParser.parse(Array(revert.detail))["reason"]?.stringValue == "ttl")
        }
    }

    @Test("the landing code's window must be strictly later than the staging window")
    func strictlyLater() async throws {
        // Only reachable with a floor under 90 s, which configuration refuses; the rule stands anyway.
        try await self.withGate(floor: 0) { airlock in
            try await airlock.proposal("p1", seq: "1")
            let staged = try await airlock.stage("p1")
            let error = await expectRPCError(.permissionDenied) {
                try await airlock.land(String(staged.stagedOid.prefix(8)))
            }
            #expect(error?.message.contains("not later than the staging window") == true)
            airlock.clock.advance(seconds: 30)
            #expect(try await airlock.land(String(staged.stagedOid.prefix(8))).tag == "state/1")
        }
    }
}
