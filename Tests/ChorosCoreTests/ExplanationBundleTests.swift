import Foundation
import Testing

@testable import ChorosCore

/// `ExplanationBundle.verify` on bundles made here: a small audit chain with two signed ops
/// (evidence, then a claim citing it) between unrelated events, anchored by a system key.
@Suite("Explanation bundles verify offline")
struct ExplanationBundleTests {
    let alice: SigningKey
    let system: SigningKey
    let evidence: SignedOperation
    let claim: SignedOperation

    init() throws {
        self.alice = try SigningKey.generate()
        self.system = try SigningKey.generate()
        self.evidence = try SignedOperation.make(
            type: .evidenceAdd,
            body: ["source": "test", "kind": "reading", "content": ["n": 1], "observed_at": 5],
            timestamp: 1_000,
            key: self.alice,
            deployment: nil
        )
        self.claim = try SignedOperation.make(
            type: .claimAssert,
            body: [
                "claim_key": .string(ClaimKey(subject: "s", predicate: "p").rawValue), "subject": "s",
                "predicate": "p", "value": ["v": 1], "confidence_ppm": 1, "deriver": "d", "deriver_version": "1",
                "inputs": [.string(self.evidence.id.rawValue)], "rationale": "r",
            ],
            timestamp: 2_000,
            key: self.alice,
            deployment: nil
        )
    }

    /// Events 1…4: noise, the evidence, the claim, noise; anchored at 4.
    func bundle(
        ops: [SignedOperation]? = nil,
        editEvents: (inout [JSONValue]) -> Void = { _ in },
        anchorKey: SigningKey? = nil
    ) -> [UInt8] {
        var events: [JSONValue] = []
        var previous = AuditChain.genesis
        for (seq, op) in [nil, self.evidence, self.claim, nil].enumerated() {
            let envelope = op.map { String(decoding: $0.canonicalBytes, as: UTF8.self) }
            var fields: [String: JSONValue] = [
                "seq": .integer(Int64(seq + 1)), "ts": .integer(Int64(seq) * 10), "actor": "alice",
                "op": .string(op?.type.rawValue ?? "entry.commit"), "target_ref": "", "target_path": "",
                "op_id": .string(op?.id.rawValue ?? ""), "request_key": "", "result_oid": "", "outcome": "ok",
                "detail": .object([:]), "envelope": envelope.map { .string($0) } ?? .null,
                "prev_hash": .string(previous),
            ]
            let hash = AuditChain.recompute(.object(fields)) ?? ""
            fields["hash"] = .string(hash)
            events.append(.object(fields))
            previous = hash
        }
        let head = previous
        editEvents(&events)
        let signer = anchorKey ?? self.system
        let payload: JSONValue = [
            "seq": 4, "head": .string(head), "ts": 99, "author": .string(signer.author.rawValue),
        ]
        var anchor = payload.objectValue ?? [:]
        anchor["sig"] = .string(Hex.encode(signer.sign(CanonicalJSON.encode(payload))))
        return CanonicalJSON.encode([
            "format": .string(ExplanationBundle.format), "claim": .string(self.claim.id.rawValue),
            "explanation": .object([:]),
            "ops": .array((ops ?? [self.evidence, self.claim]).map(\.json)),
            "events": .array(events), "anchor": ["commit": "0", "file": .object(anchor)],
        ])
    }

    func problem(_ bytes: [UInt8], systemAuthor: String? = nil) -> String? {
        do {
            _ = try ExplanationBundle.verify(bytes, systemAuthor: systemAuthor)
            return nil
        } catch { return error.description }
    }

    @Test("a whole bundle verifies, pinned to its system key")
    func verifies() throws {
        let verified = try ExplanationBundle.verify(self.bundle(), systemAuthor: self.system.author.rawValue)
        #expect(verified.claim == self.claim.id.rawValue)
        #expect(verified.ops == 2)
        #expect(verified.firstSeq == 1 && verified.anchorSeq == 4)
    }

    @Test("an edited event is named by its seq")
    func editedEvent() {
        let bytes = self.bundle { events in
            guard case .object(var fields) = events[1] else { return }
            fields["actor"] = "mallory"
            events[1] = .object(fields)
        }
        #expect(self.problem(bytes)?.hasPrefix("event 2: hash does not recompute") == true)
    }

    @Test("a dropped event breaks the link")
    func droppedEvent() {
        let bytes = self.bundle { events in events.remove(at: 2) }
        #expect(self.problem(bytes) == "event 4: prev_hash does not link to the event before it")
    }

    @Test("a segment that stops short of the anchor is refused")
    func shortSegment() {
        let bytes = self.bundle { events in events.removeLast() }
        #expect(self.problem(bytes)?.contains("does not end at the anchored head") == true)
    }

    @Test("a missing provenance op, an op outside the segment, a foreign anchor key")
    func provenanceAndAnchor() throws {
        #expect(self.problem(self.bundle(ops: [self.claim]))?.contains("named by \(self.claim.id)") == true)
        let stranger = try SignedOperation.make(
            type: .evidenceAdd,
            body: ["source": "x", "kind": "y", "content": [:], "observed_at": 1],
            timestamp: 3,
            key: self.alice,
            deployment: nil
        )
        #expect(
            self.problem(self.bundle(ops: [self.evidence, self.claim, stranger]))
                == "op \(stranger.id) is not in the chain segment as signed"
        )
        let foreign = try SigningKey.generate()
        #expect(
            self.problem(self.bundle(anchorKey: foreign), systemAuthor: self.system.author.rawValue)?
                .contains("not the system key") == true
        )
    }

    @Test("a forged signature on an op is named")
    func forgedOp() throws {
        var json = try #require(try JSONParser.parse(self.bundle()).objectValue)
        var ops = json["ops"]?.arrayValue ?? []
        guard case .object(var first) = ops[0] else { return }
        let signature = first["sig"]?.stringValue ?? ""
        first["sig"] = .string(String(signature.reversed()))
        ops[0] = .object(first)
        json["ops"] = .array(ops)
        #expect(self.problem(CanonicalJSON.encode(.object(json)))?.hasPrefix("op ") == true)
    }
}
