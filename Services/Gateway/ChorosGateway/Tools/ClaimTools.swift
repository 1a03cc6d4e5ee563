internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

extension Gateway {
    func claimsFor(_ request: Choros_V1_ClaimsForRequest) async throws -> Choros_V1_ClaimsForResponse {
        guard request.entry.isEmpty != request.subject.isEmpty else {
            throw Refusal.input("claims_for takes exactly one of 'entry' or 'subject'")
        }
        var request = request
        if !request.entry.isEmpty { request.entry = try Self.entryPath(request.entry, argument: "entry") }
        return try await self.daemons.index.call(IndexRPC.claimsFor, request)
    }

    func claimExplain(_ request: Choros_V1_ClaimExplainArgs) async throws -> Choros_V1_ClaimExplainResult {
        let claim = try Self.opID(request.claim, argument: "claim")
        var result = Choros_V1_ClaimExplainResult()
        result.explanation = try await self.explanation(of: claim)
        if request.bundle {
            let bundle = try await ExplanationBundle.build(
                explanation: result.explanation,
                audit: self.daemons.audit.wire,
                store: self.daemons.store.wire
            )
            result.bundleJson = String(decoding: bundle.canonicalBytes, as: UTF8.self)
        }
        return result
    }

    func lineageImpact(_ request: Choros_V1_LineageImpactRequest) async throws -> Choros_V1_LineageImpactResponse {
        guard request.path.isEmpty != request.op.isEmpty else {
            throw Refusal.input("lineage_impact takes exactly one of 'path' or 'op'")
        }
        var request = request
        if !request.path.isEmpty { request.path = try Self.entryPath(request.path) }
        if !request.op.isEmpty { request.op = try Self.opID(request.op, argument: "op") }
        return try await self.daemons.index.call(IndexRPC.lineageImpact, request)
    }

    private func explanation(of claim: String) async throws -> Choros_V1_ClaimExplainResponse {
        do {
            return try await self.daemons.index.call(IndexRPC.claimExplain, .with { $0.claim = claim })
        } catch let error as RPCError where error.code == .notFound {
            throw Refusal(.claimExplainClaim, .notFound, error.message)
        }
    }

    static func opID(_ text: String, argument: String) throws -> String {
        do { return try OpID(parsing: text).rawValue } catch {
            throw Refusal.input("'\(argument)' must be an op id (op_ and 64 hex digits): \(error)")
        }
    }
}
