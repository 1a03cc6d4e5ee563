import ChorosProto
import Foundation
import Testing

@testable import ChorosCore

@Suite("Signed envelopes")
struct EnvelopeTests {
    let verifier = OperationVerifier(freshnessSeconds: 300)
    let now = IdentityFixtures.now

    private func makeOperation(
        _ type: OperationType = .entryCommit,
        body: [String: JSONValue]? = nil,
        key: SigningKey = IdentityFixtures.alice,
        timestamp: Int64 = IdentityFixtures.now
    ) throws -> SignedOperation {
        try SignedOperation.make(
            type: type,
            body: body ?? IdentityFixtures.validBody(type),
            timestamp: timestamp,
            key: key,
            deployment: nil
        )
    }

    /// The envelope as a JSON object, edited by `change`, with `op_id` recomputed unless asked not to.
    private func envelope(
        _ operation: SignedOperation,
        recomputeID: Bool = false,
        _ change: (inout [String: JSONValue]) -> Void
    ) -> [String: JSONValue] {
        var members = operation.json.objectValue ?? [:]
        change(&members)
        if recomputeID {
            var withoutID = members
            withoutID["op_id"] = nil
            members["op_id"] = .string("op_" + Hex.encode(Sodium.blake2b256(CanonicalJSON.encode(.object(withoutID)))))
        }
        return members
    }

    private func verify(
        _ envelope: [String: JSONValue],
        ledger: MemoryLedger = MemoryLedger()
    ) throws(OperationError) -> VerifiedOperation {
        try self.verifier.verify(envelope: envelope, ledger: ledger, now: self.now)
    }

    @Test("every operation type builds and verifies", arguments: OperationType.allCases)
    func roundTrip(_ type: OperationType) throws {
        let operation = try self.makeOperation(type)
        let verified = try self.verifier.verify(json: operation.canonicalBytes, ledger: MemoryLedger(), now: self.now)
        #expect(verified == .fresh(operation))
        #expect(operation.id.rawValue.hasPrefix("op_") && operation.id.rawValue.count == 67)
        let fromProto = try self.verifier.verify(operation.proto, ledger: MemoryLedger(), now: self.now)
        #expect(fromProto == .fresh(operation))
    }

    @Test("an executed op id is returned as already executed, not refused")
    func replay() throws {
        let operation = try self.makeOperation()
        var ledger = MemoryLedger()
        ledger.known.insert(operation.id)
        #expect(try self.verify(operation.json.objectValue ?? [:], ledger: ledger) == .alreadyExecuted(operation))
    }

    @Test("each missing field is named", arguments: ["v", "type", "author", "ts", "prev", "body", "sig", "op_id"])
    func missingField(_ field: String) throws {
        let operation = try self.makeOperation()
        #expect(throws: OperationError.missingField(field)) {
            try self.verify(self.envelope(operation) { $0[field] = nil })
        }
    }

    @Test("each check fails with its own error, in IDENTITY.md's order")
    func orderedFailures() throws {
        let operation = try self.makeOperation()
        let unknownOp = "op_" + String(repeating: "ee", count: 32)
        let cases: [(String, (inout [String: JSONValue]) -> Void, OperationError)] = [
            (
                "wrong v",
                {
                    $0["v"] = 2
                    $0["author"] = "nobody"
                }, .unsupportedVersion("2")
            ),
            (
                "unknown type",
                {
                    $0["type"] = "entry.delete"
                    $0["ts"] = -1
                }, .unknownType("\"entry.delete\"")
            ),
            ("malformed author", { $0["author"] = "mnk_XYZ" }, .malformedAuthor("\"mnk_XYZ\"")),
            ("negative ts", { $0["ts"] = -5 }, .invalidTimestamp("-5")),
            ("string ts", { $0["ts"] = "soon" }, .invalidTimestamp("\"soon\"")),
            ("malformed prev", { $0["prev"] = ["op_1"] }, .malformedPrevious("\"op_1\"")),
            ("unknown prev", { $0["prev"] = .array([.string(unknownOp)]) }, .unknownPrevious(unknownOp)),
            (
                "invalid body", { $0["body"] = ["domain": "practice"] },
                .invalidBody(type: "entry.commit", BodyError(field: "key", problem: "is required"))
            ),
            ("malformed sig", { $0["sig"] = "00" }, .malformedSignature),
        ]
        for (name, change, expected) in cases {
            #expect(throws: expected, "\(name)") { try self.verify(self.envelope(operation, change)) }
        }
    }

    @Test("a changed body with a recomputed op id fails the signature; without, the op id")
    func tampering() throws {
        let operation = try self.makeOperation()
        var body = IdentityFixtures.validBody(.entryCommit)
        body["body"] = "changed"
        let tampered = self.envelope(operation) { $0["body"] = .object(body) }
        #expect {
            try self.verify(tampered)
        } throws: { error in
            guard case OperationError.opIDMismatch(let claimed, _) = error else { return false }
            return claimed == operation.id.rawValue
        }
        #expect(throws: OperationError.badSignature(author: IdentityFixtures.alice.author.rawValue)) {
            try self.verify(self.envelope(operation, recomputeID: true) { $0["body"] = .object(body) })
        }
    }

    @Test("a non-canonical signature (S + L) is refused")
    func nonCanonicalSignature() throws {
        let operation = try self.makeOperation()
        // L, the group order, little-endian; S + L verifies in lax implementations.
        let order: [UInt8] = [
            0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ]
        var signature = operation.signature
        var carry = 0
        for index in 0..<32 {
            let sum = Int(signature[32 + index]) + Int(order[index]) + carry
            signature[32 + index] = UInt8(sum & 0xFF)
            carry = sum >> 8
        }
        #expect(throws: OperationError.nonCanonicalSignature) {
            try self.verify(self.envelope(operation, recomputeID: true) { $0["sig"] = .string(Hex.encode(signature)) })
        }
    }

    @Test("a small-order public key is refused")
    func smallOrderKey() throws {
        let operation = try self.makeOperation()
        // The identity point: every signature "verifies" under it in a lax implementation.
        let identity = "mnk_01" + String(repeating: "00", count: 31)
        #expect(throws: OperationError.weakPublicKey(identity)) {
            try self.verify(self.envelope(operation, recomputeID: true) { $0["author"] = .string(identity) })
        }
    }

    @Test("unenrolled and revoked authors are refused; past ops of a revoked key still parse")
    func enrollment() throws {
        let byBob = try self.makeOperation(key: IdentityFixtures.bob)
        #expect(throws: OperationError.unenrolledAuthor(IdentityFixtures.bob.author.rawValue)) {
            try self.verify(byBob.json.objectValue ?? [:])
        }
        var ledger = MemoryLedger()
        try ledger.registry.revoke(InstanceName("alice"), at: 99)
        let byAlice = try self.makeOperation()
        #expect(throws: OperationError.revokedAuthor(name: "alice", revokedAt: 99)) {
            try self.verify(byAlice.json.objectValue ?? [:], ledger: ledger)
        }
    }

    @Test("a timestamp outside the freshness window is refused")
    func staleTimestamp() throws {
        let old = try self.makeOperation(timestamp: self.now - 301_000)
        #expect(
            throws: OperationError.staleTimestamp(
                timestamp: self.now - 301_000,
                now: self.now,
                windowMilliseconds: 300_000
            )
        ) {
            try self.verify(old.json.objectValue ?? [:])
        }
        let edge = try self.makeOperation(timestamp: self.now + 300_000)
        #expect(try self.verify(edge.json.objectValue ?? [:]) == .fresh(edge))
    }

    @Test("unknown extra body fields are kept and signed")
    func forwardCompatibleBody() throws {
        var body = IdentityFixtures.validBody(.entryCommit)
        body["future_field"] = ["nested": 1]
        let operation = try self.makeOperation(body: body)
        let verified = try self.verify(operation.json.objectValue ?? [:])
        #expect(verified.operation.body["future_field"] == ["nested": 1])
        #expect(throws: OperationError.self) {
            try self.verify(self.envelope(operation) { $0["body"] = .object(IdentityFixtures.validBody(.entryCommit)) })
        }
    }

    @Test("a proto body that is not canonical JSON is refused")
    func nonCanonicalProtoBody() throws {
        var message = try self.makeOperation().proto
        message.body = Data("{ \"key\": \"k1\" }".utf8)
        #expect(throws: OperationError.self) {
            try self.verifier.verify(message, ledger: MemoryLedger(), now: self.now)
        }
        message.clearV()
        #expect(throws: OperationError.missingField("v")) {
            try self.verifier.verify(message, ledger: MemoryLedger(), now: self.now)
        }
    }
}
