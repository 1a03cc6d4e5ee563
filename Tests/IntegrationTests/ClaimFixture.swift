import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

/// Claims through a running deployment: instances assert through the gateway, the
/// practitioner judges through `choros-admin`.
extension InstanceClient {
    /// Adds evidence; returns its op id.
    func evidence(_ key: String, _ content: [String: JSONValue] = ["seen": "marmot"]) async throws -> String {
        let result = try await self.call(
            "evidence_add",
            [
                "source": "instance.observation", "kind": "sighting", "content": .object(content),
                "observed_at": 1_700_000_000_000, "op_id": .string(key),
            ]
        )
        return try #require(result["id"] as? String)
    }

    /// Asserts a claim; returns its op id.
    func assert(
        _ key: String,
        subject: String = "marmot",
        predicate: String,
        value: [String: JSONValue],
        inputs: [String],
        confidence: Int64 = 800_000
    ) async throws -> String {
        let result = try await self.call(
            "claim_assert",
            [
                "subject": .string(subject), "predicate": .string(predicate), "value": .object(value),
                "confidence_ppm": .integer(confidence), "deriver": "test", "deriver_version": "1",
                "inputs": .array(inputs.map { .string($0) }), "rationale": "because", "op_id": .string(key),
            ]
        )
        return try #require(result["id"] as? String)
    }
}

extension GatewayFixture {
    /// `choros-admin claim ARGS --json`, decoded.
    func judge(_ arguments: [String]) async throws -> [String: Any] {
        let result = try await self.admin(["claim"] + arguments + ["--json"])
        try #require(result.status == 0, "choros-admin claim \(arguments): \(result.error)")
        return try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] ?? [:]
    }

    func claimEvents(_ type: OperationType) async throws -> [Choros_V1_AuditEvent] {
        try await self.auditEvents(op: type.rawValue)
    }

    func explain(_ claim: String) async throws -> Choros_V1_ClaimExplainResponse {
        try await self.daemons.index.call(IndexRPC.claimExplain, .with { $0.claim = claim })
    }
}

extension Dictionary where Key == String, Value == Any {
    var invalidations: [(target: String, path: [String])] {
        (self["invalidations"] as? [[String: Any]] ?? []).map {
            ($0["target"] as? String ?? "", $0["path"] as? [String] ?? [])
        }
    }
}
