import ChorosCore
import ChorosProto
import Foundation
import SwiftProtobuf
import Testing

@testable import ChorosAirlock

@Suite("Staging state")
struct StagingStateTests {
    private func event(
        _ seq: UInt64,
        _ op: String,
        _ proposal: String,
        oid: String = "",
        detail: JSONValue = [:]
    )
        -> Choros_V1_AuditEvent
    {
        .with {
            $0.seq = seq
            $0.op = op
            $0.targetPath = proposal
            $0.resultOid = oid
            $0.detail = Data(CanonicalJSON.encode(detail))
        }
    }

    @Test("replayed events give the staged set; a prefix matching two staged oids is ambiguous")
    func replay() {
        let state = StagingState(events: [
            self.event(1, AirlockEvent.stage, "a", oid: "abcdef0011", detail: ["window": 5, "staged_at": 1000]),
            self.event(2, AirlockEvent.stage, "b", oid: "abcdef0022", detail: ["staged_at": 5_000_000]),
            self.event(3, AirlockEvent.stage, "c", oid: "ffff"),
            self.event(4, AirlockEvent.revert, "c"),
            self.event(5, AirlockEvent.wrongCode, "a"),
            self.event(6, AirlockEvent.wrongCode, "a"),
        ])
        #expect(state.staged.keys.sorted() == ["a", "b"])
        #expect(state.staged["a"]?.wrongCodes == 2)
        #expect(state.staged["a"]?.window == 5)
        #expect(state.matching(prefix: "abcdef00").map(\.proposalID) == ["a", "b"])
        #expect(state.matching(prefix: "abcdef001").map(\.proposalID) == ["a"])
        #expect(state.expired(now: 1000 + 7_200_000, ceilingMilliseconds: 7_200_000).map(\.proposalID) == ["a"])
    }

    @Test("a land ends the stage")
    func landEnds() {
        let state = StagingState(events: [
            self.event(1, AirlockEvent.stage, "a", oid: "ab"), self.event(2, "land_merge", "a"),
        ])
        #expect(state.staged.isEmpty)
    }

    @Test("the door's wrong codes are counted over a day, others' are not")
    func doorFailures() {
        func wrong(_ seq: UInt64, by actor: String, at ts: Int64) -> Choros_V1_AuditEvent {
            var event = self.event(seq, AirlockEvent.wrongCode, "")
            event.actor = actor
            event.ts = ts
            return event
        }
        let day = StagingState.dayMilliseconds
        let state = StagingState(events: [
            wrong(1, by: "http", at: 1000), wrong(2, by: "http", at: 2000), wrong(3, by: "alice", at: 3000),
            wrong(4, by: "http", at: day + 1500),
        ])
        #expect(state.doorFailures(now: day + 1500).count == 2, "the first fell out of the day")
        #expect(state.doorFailures(now: day + 1500).oldest == 2000)
        #expect(state.doorFailures(now: 3 * day).count == 0)
    }
}
