import ChorosCore
import ChorosProto
import Testing

@testable import ChorosGateway

@Suite("Tool catalog")
struct ToolCatalogTests {
    static let someOp = "op_" + String(repeating: "a1", count: 32)

    @Test("every TOOLS.md tool is served, once")
    func everyToolIsServed() {
        let names = Gateway.tools.map(\.definition.name)
        #expect(Set(names).count == names.count)
        let expected: Set<String> = [
            "announce", "orientation", "whoami", "canon_head", "canon_state", "kip_commit", "kip_get", "list_entries",
            "my_perspective", "kip_history", "map_search", "propose", "propose_retract", "propose_close",
            "proposal_status", "list_proposals", "conflict_preview", "canon_diff", "sup_reconcile", "sup_state",
            "sup_who", "list_instances", "imp_send", "imp_check", "imp_flags", "imp_mark_read", "vap_record", "vap_for",
            "stage_approve", "land_approve", "stage_revert", "evidence_add", "claim_assert", "claim_retract", "belief",
            "claims_for", "claim_explain", "explanation_record", "lineage_impact",
        ]
        #expect(Set(names) == expected)
    }

    @Test("schemas are JSON objects whose required arguments are properties")
    func schemasAreWellFormed() throws {
        for tool in Gateway.tools {
            let schema = try JSONParser.parse(Array(tool.definition.inputSchemaJson.utf8))
            let properties = try #require(schema["properties"]?.objectValue, "\(tool.definition.name)")
            for required in schema["required"]?.arrayValue ?? [] {
                #expect(properties[required.stringValue ?? ""] != nil, "\(tool.definition.name): \(required)")
            }
            for side in tool.definition.sideArguments {
                #expect(properties[side] != nil, "\(tool.definition.name) side argument \(side)")
            }
        }
    }

    @Test("a write's arguments, renamed and defaulted, make a body its op type accepts")
    func writeArgumentsMakeValidBodies() throws {
        let samples: [String: JSONValue] = [
            "domain": "notes", "slug": "a", "body": "text", "op_id": "k1", "proposal_id": "p1", "path": "notes/a.md",
            "reason": "done", "recipients": ["bob"], "subject": "hi", "binds": "notes/a.md", "horizon": "now",
            "message_path": "messages/k1.md", "staged_oid_prefix": "0123abcd", "source": "instance.observation",
            "kind": "sighting", "content": ["n": 1], "observed_at": 5, "predicate": "diet", "value": ["food": "grass"],
            "confidence_ppm": 500_000, "deriver": "d", "deriver_version": "1", "inputs": [.string(Self.someOp)],
            "rationale": "r", "target": .string(Self.someOp), "claim": .string(Self.someOp), "summary": "why",
        ]
        // What GatewayConnection fills for claim ops (the key of subject and predicate, or of
        // the named claim; claim_explain's chain) before signing.
        let filled: [String: JSONValue] = [
            "claim_key": .string(ClaimKey(subject: "hi", predicate: "diet").rawValue), "chain": [["kind": "claim"]],
        ]
        for tool in Gateway.tools where !tool.definition.opType.isEmpty {
            let schema = try JSONParser.parse(Array(tool.definition.inputSchemaJson.utf8))
            var body: [String: JSONValue] = [:]
            for required in schema["required"]?.arrayValue ?? [] {
                let name = try #require(required.stringValue)
                guard !tool.definition.sideArguments.contains(name) else { continue }
                let value = try #require(samples[name], "no sample for \(tool.definition.name).\(name)")
                body[tool.definition.bodyFields[name] ?? name] = value
            }
            // A client fills the schema's defaults before signing, as choros-mcp does.
            for (name, property) in schema["properties"]?.objectValue ?? [:] where body[name] == nil {
                if let value = property["default"] { body[tool.definition.bodyFields[name] ?? name] = value }
            }
            for (name, value) in filled where body[name] == nil && schema["properties"]?[name] != nil {
                body[name] = value
            }
            let type = try #require(OperationType(rawValue: tool.definition.opType))
            #expect(throws: Never.self, "\(tool.definition.name)") { try type.validate(body: body) }
        }
    }
}
