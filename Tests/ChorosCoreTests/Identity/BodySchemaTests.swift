import Testing

@testable import ChorosCore

@Suite("Operation bodies")
struct BodySchemaTests {
    @Test("every type's valid body passes", arguments: OperationType.allCases)
    func validBody(_ type: OperationType) throws {
        try type.validate(body: IdentityFixtures.validBody(type))
    }

    @Test("every required field of every type is required", arguments: OperationType.allCases)
    func requiredFields(_ type: OperationType) {
        for rule in type.bodySchema.fields where rule.isRequired {
            var body = IdentityFixtures.validBody(type)
            body[rule.name] = nil
            #expect(throws: BodyError(field: rule.name, problem: "is required"), "\(type.rawValue).\(rule.name)") {
                try type.validate(body: body)
            }
        }
    }

    @Test("every field of every type refuses a wrong type", arguments: OperationType.allCases)
    func wrongTypes(_ type: OperationType) {
        for rule in type.bodySchema.fields {
            var body = IdentityFixtures.validBody(type)
            body[rule.name] = .bool(true)
            #expect(throws: BodyError.self, "\(type.rawValue).\(rule.name)") { try type.validate(body: body) }
        }
    }

    @Test("empty strings are refused where text is required", arguments: OperationType.allCases)
    func emptyStrings(_ type: OperationType) {
        for rule in type.bodySchema.fields where rule.isRequired {
            guard case .string = IdentityFixtures.validBody(type)[rule.name], rule.name != "body" else { continue }
            var body = IdentityFixtures.validBody(type)
            body[rule.name] = ""
            #expect(throws: BodyError.self, "\(type.rawValue).\(rule.name)") { try type.validate(body: body) }
        }
    }

    @Test("duplicate op ids in inputs and paths are refused")
    func duplicateOpIDs() {
        var body = IdentityFixtures.validBody(.claimAssert)
        body["inputs"] = .array([.string(IdentityFixtures.someOp), .string(IdentityFixtures.someOp)])
        #expect(throws: BodyError(field: "inputs", problem: "lists \(IdentityFixtures.someOp) twice")) {
            try OperationType.claimAssert.validate(body: body)
        }
        body["inputs"] = []
        #expect(throws: BodyError(field: "inputs", problem: "must not be empty")) {
            try OperationType.claimAssert.validate(body: body)
        }
    }

    @Test(
        "confidence is bounded to 0…1,000,000 ppm",
        arguments: [(-1, false), (0, true), (1_000_000, true), (1_000_001, false)]
    )
    func confidenceBounds(_ value: Int64, _ isValid: Bool) {
        var body = IdentityFixtures.validBody(.claimAssert)
        body["confidence_ppm"] = .integer(value)
        if isValid {
            #expect(throws: Never.self) { try OperationType.claimAssert.validate(body: body) }
        } else {
            #expect(throws: BodyError.self) { try OperationType.claimAssert.validate(body: body) }
        }
    }

    @Test("refute scope is 'value' or 'key'")
    func refuteScope() throws {
        var body = IdentityFixtures.validBody(.claimRefute)
        body["scope"] = "key"
        try OperationType.claimRefute.validate(body: body)
        body["scope"] = "everything"
        #expect(throws: BodyError(field: "scope", problem: "must be one of 'value', 'key', got 'everything'")) {
            try OperationType.claimRefute.validate(body: body)
        }
    }

    @Test("the claim key is recomputed from subject and predicate")
    func claimKeyRecomputed() {
        var body = IdentityFixtures.validBody(.claimAssert)
        body["subject"] = "someone else"
        #expect {
            try OperationType.claimAssert.validate(body: body)
        } throws: { error in
            (error as? BodyError)?.field == "claim_key"
        }
        #expect(ClaimKey(subject: "lintel", predicate: "prefers").rawValue == IdentityFixtures.claimKey)
        #expect(ClaimKey(subject: "lintel", predicate: "prefers") != ClaimKey(subject: "prefers", predicate: "lintel"))
    }

    @Test("an invalidation path runs from cause to target")
    func invalidationPath() {
        var body = IdentityFixtures.validBody(.claimInvalidate)
        body["path"] = .array([.string(IdentityFixtures.otherOp), .string(IdentityFixtures.someOp)])
        #expect(throws: BodyError(field: "path", problem: "must run from 'cause' to 'target'")) {
            try OperationType.claimInvalidate.validate(body: body)
        }
    }

    @Test("request keys, domains, slugs and prefixes are checked")
    func shapes() {
        let cases: [(OperationType, String, JSONValue)] = [
            (.entryCommit, "key", .string(String(repeating: "k", count: 129))),
            (.entryCommit, "key", "has space"),
            (.entryCommit, "domain", "Practice"),
            (.entryCommit, "domain", "../etc"),
            (.entryCommit, "slug", "a/b"),
            (.entryCommit, "status", "deleted"),
            (.messageSend, "recipients", ["bob", "bob"]),
            (.messageSend, "recipients", [".hidden"]),
            (.airlockLand, "staged_oid_prefix", "dead"),
            (.airlockLand, "staged_oid_prefix", "DEADBEEF"),
            (.canonLand, "channel", "email"),
            (.evidenceAdd, "observed_at", -1),
            (.explanationRecord, "chain", [["step": "x"]]),
        ]
        for (type, field, value) in cases {
            var body = IdentityFixtures.validBody(type)
            body[field] = value
            #expect(throws: BodyError.self, "\(type.rawValue).\(field) = \(value)") { try type.validate(body: body) }
        }
    }
}
