import ChorosAirlock
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

        func stage(
            _ proposal: String,
            code: String? = nil,
            as instance: String = "alice"
        ) async throws
            -> Choros_V1_StagedProposal
        {
            try await self.gate.stage(
                .with {
                    $0.instance = instance
                    $0.proposalID = proposal
                    $0.code = code ?? self.code
                }
            )
        }

        func land(
            _ prefix: String,
            code: String? = nil,
            as instance: String = "alice"
        ) async throws -> Choros_V1_LandResult {
            try await self.gate.land(
                .with {
                    $0.instance = instance
                    $0.stagedOidPrefix = prefix
                    $0.code = code ?? self.code
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
            let totp = try fixture.provisionTOTP()
            var configuration = try ChorosConfiguration.load(file: daemons.configurationPath, dataDirectory: nil)
            if let floor { configuration.airlockFloorSeconds = floor }
            let backends = AirlockBackends(store: daemons.store, audit: daemons.audit, index: daemons.index)
            let logger = Logger(label: "test.airlock")
            let clock = TestClock()
            let gate = AirlockGate(
                backends: backends,
                configuration: configuration,
                lander: Lander(backends: backends, configuration: configuration, logger: logger),
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
            let again = await expectRPCError(.failedPrecondition) { try await airlock.stage("p1") }
            #expect(again?.details["gate"] == "staged")

            // Revert is free; the same window never stages twice.
            #expect(try await airlock.gate.revert(.with { $0.proposalID = "p1" }).reverted)
            let replay = await expectRPCError(.permissionDenied) { try await airlock.stage("p1") }
            #expect(replay?.message.contains("already used") == true)
            airlock.clock.advance(seconds: 30)
            _ = try await airlock.stage("p1")
            #expect(try await airlock.gate.stagedState("p1").staged)
        }
    }

    @Test("land: content binding, the floor before the code, then the seven steps through the airlock channel")
    func landRules() async throws {
        try await self.withGate { airlock in
            try await airlock.proposal("p1", seq: "1")
            let staged = try await airlock.stage("p1")
            let short = await expectRPCError(.invalidArgument) {
                try await airlock.land(String(staged.stagedOid.prefix(7)))
            }
            #expect(short?.details["gate"] == "content_binding")
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

    @Test("five wrong codes revert the stage; ten a minute from one instance are rate-limited")
    func bruteForce() async throws {
        try await self.withGate { airlock in
            try await airlock.proposal("p1", seq: "1")
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

            for _ in 1...10 {
                _ = await expectRPCError(.permissionDenied) {
                    try await airlock.stage("p1", code: wrong, as: "mallory")
                }
            }
            let limited = await expectRPCError(.resourceExhausted) { try await airlock.stage("p1", as: "mallory") }
            #expect(limited?.details["gate"] == "rate")
            airlock.clock.advance(seconds: 61)
            _ = try await airlock.stage("p1", as: "mallory")
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
