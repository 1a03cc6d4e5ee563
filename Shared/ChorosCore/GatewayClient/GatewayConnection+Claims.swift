internal import ChorosProto

extension GatewayConnection {
    /// Fills what a claim op's body needs and a caller cannot be expected to compute: the
    /// `claim_key` (the hash of subject and predicate, or the key of the named claim) and, for
    /// `explanation_record`, the chain as `claim_explain` gives it now.
    func completingClaimBody(
        _ definition: Choros_V1_ToolDefinition,
        _ arguments: [String: JSONValue]
    ) async throws -> [String: JSONValue] {
        var arguments = arguments
        switch OperationType(rawValue: definition.opType) {
        case .claimAssert where arguments["claim_key"] == nil:
            if let subject = arguments["subject"]?.stringValue, let predicate = arguments["predicate"]?.stringValue {
                arguments["claim_key"] = .string(ClaimKey(subject: subject, predicate: predicate).rawValue)
            }
        case let type? where type == .claimRetract || type == .explanationRecord:
            let needsKey = arguments["claim_key"] == nil
            let needsChain = type == .explanationRecord && arguments["chain"] == nil
            guard let target = arguments["target"]?.stringValue ?? arguments["claim"]?.stringValue,
                needsKey || needsChain
            else { break }
            let text = try await self.callTool("claim_explain", arguments: ["claim": .string(target)])
            guard let explanation = try JSONParser.parse(Array(text.utf8))["explanation"] else { break }
            if needsKey, let key = explanation["claim"]?["claim_key"]?.stringValue {
                arguments["claim_key"] = .string(key)
            }
            if needsChain { arguments["chain"] = .array(Self.chainSteps(explanation)) }
        default:
            break
        }
        return arguments
    }

    /// `claim_explain`'s answer as `explanation.record` steps: the claim, each input with its
    /// depth and state, and for an ended claim its cause and path.
    static func chainSteps(_ explanation: JSONValue) -> [JSONValue] {
        func step(_ node: JSONValue?, depth: Int64, citedBy: String?) -> JSONValue {
            var members: [String: JSONValue] = ["depth": .integer(depth)]
            for field in ["kind", "op_id", "author", "state", "entry_path", "claim_key"] {
                if let value = node?[field]?.stringValue, !value.isEmpty { members[field] = .string(value) }
            }
            if members["kind"] == nil { members["kind"] = "claim" }
            if let citedBy, !citedBy.isEmpty { members["cited_by"] = .string(citedBy) }
            return .object(members)
        }
        var steps = [step(explanation["claim"], depth: 0, citedBy: nil)]
        for item in explanation["chain"]?.arrayValue ?? [] {
            steps.append(
                step(item["node"], depth: item["depth"]?.integerValue ?? 0, citedBy: item["cited_by"]?.stringValue)
            )
        }
        if let cause = explanation["cause"]?.stringValue, !cause.isEmpty {
            var members: [String: JSONValue] = ["kind": "cause", "op_id": .string(cause)]
            if let path = explanation["cause_path"]?.arrayValue { members["path"] = .array(path) }
            steps.append(.object(members))
        }
        return steps
    }
}
