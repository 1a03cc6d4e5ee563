internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import Logging
internal import SwiftProtobuf

extension Gateway {
    /// A claim op's write path: no git, the audit log is its truth (CLAIMS.md). The graph's
    /// rules are checked, the op is audited with its envelope, then projected into the index.
    /// Idempotent by op id and by (caller, request key); a retry also completes a projection
    /// an index outage left pending.
    func recordClaimOp(_ call: WriteCall) async throws -> Choros_V1_ClaimWriteResult {
        if let original = try await self.originalClaimEvent(of: call) {
            var result = self.claimResult(call, event: original)
            result.replayed = true
            result.indexPending = await self.project(original)
            return result
        }
        let check = try await self.daemons.index.call(
            IndexRPC.claimCheck,
            .with {
                $0.envelope = call.envelope
                $0.actor = call.caller.name
            }
        )
        guard check.ok else { throw Refusal(Refusal.Gate(relaying: check.gate), check.code, check.reason) }
        let claimKey = call.operation.body["claim_key"]?.stringValue ?? ""
        guard
            let event = try await self.daemons.audit.append(
                self.auditEvent(call, ref: "", path: claimKey)
            )
        else { throw RPCError(code: .internal, message: "the audit log returned no event for \(call.opID)") }
        var result = self.claimResult(call, event: event)
        result.indexPending = await self.project(event)
        return result
    }

    /// The event of this op, or of an earlier op of the caller under the same request key:
    /// the same body is a replay, a different one is refused.
    private func originalClaimEvent(of call: WriteCall) async throws -> Choros_V1_AuditEvent? {
        guard let event = try await self.originalEvent(of: call) else { return nil }
        let original = try? OperationVerifier.verifyIntegrity(json: Array(event.envelope))
        guard event.opID == call.opID || original?.canonicalBody == call.operation.canonicalBody else {
            throw Refusal(
                .idempotency,
                .alreadyExists,
                "op_id '\(call.key)' already names a different \(call.operation.type) (\(event.opID))"
            )
        }
        return event
    }

    private func claimResult(_ call: WriteCall, event: Choros_V1_AuditEvent) -> Choros_V1_ClaimWriteResult {
        .with {
            $0.id = event.opID
            $0.type = call.operation.type.rawValue
            $0.claimKey = call.operation.body["claim_key"]?.stringValue ?? ""
            $0.author = call.caller.name
            $0.opID = call.key
            $0.auditSeq = event.seq
        }
    }

    /// Projects an audited claim op; an index outage leaves it pending (a retry or `reindex`
    /// completes it) and costs the write at most two seconds. Returns whether it is pending.
    private func project(_ event: Choros_V1_AuditEvent) async -> Bool {
        do {
            _ = try await self.daemons.index.call(
                IndexRPC.claimApply,
                .with { $0.events = [event] },
                options: CallOptions(timeout: .seconds(2))
            )
            return false
        } catch {
            self.logger.warning(
                "claims graph update failed; a retry or reindex restores it",
                metadata: ["op_id": "\(event.opID)", "error": "\(error)"]
            )
            return true
        }
    }
}
