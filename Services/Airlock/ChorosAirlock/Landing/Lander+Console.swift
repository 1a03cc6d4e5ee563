internal import ChorosClients
internal import ChorosCore
package import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

extension Lander {
    /// A console land: a `canon.land` op signed by a configured approver, channel `console`.
    /// The same approval sent again returns the land it already made.
    package func landConsole(_ approval: Choros_V1_SignedOp, now: Int64) async throws -> Choros_V1_LandResult {
        let operation = try await self.verifiedApproval(approval, now: now)
        guard operation.body["channel"]?.stringValue == "console" else {
            throw Refusal(.approval, .invalidArgument, "a console land's approval has channel 'console'")
        }
        if let result = try await self.recordedLand(approvalOpID: operation.id.rawValue) { return result }
        let order = try await self.plan(
            proposalID: operation.body["proposal_id"]?.stringValue ?? "",
            candidate: operation.body["candidate_oid"]?.stringValue ?? "",
            channel: "console",
            approver: try await self.approverName(operation.author),
            approval: approval,
            approvalBytes: Data(operation.canonicalBytes)
        )
        return try await self.execute(order, approval: approval)
    }

    func verifiedApproval(_ approval: Choros_V1_SignedOp, now: Int64) async throws -> SignedOperation {
        let registry = try await self.daemons.store.registry.current()
        let verifier = try OperationVerifier(configuration: self.configuration)
        let operation: SignedOperation
        do {
            operation = try verifier.verify(approval, ledger: RegistryLedger(registry: registry), now: now)
                .operation
        } catch {
            throw Refusal(.approval, error.rpcError.code, error.description)
        }
        guard operation.type == .canonLand else {
            throw Refusal(.approval, .invalidArgument, "an approval is a canon.land op, got \(operation.type)")
        }
        _ = try await self.approverName(operation.author)
        return operation
    }

    /// The signer's enrolled name, refused unless it is a configured approver.
    func approverName(_ author: AuthorID) async throws -> String {
        try await self.daemons.store.registry.approverName(
            author,
            approvers: self.configuration.approvers,
            gate: .approval
        )
    }

    /// The land an approval already made, read back from its audit event.
    func recordedLand(approvalOpID: String) async throws -> Choros_V1_LandResult? {
        let events = try await self.daemons.audit.call(AuditRPC.find, .with { $0.opID = approvalOpID }).events
        guard let event = events.first(where: { $0.op == "land_merge" }),
            let detail = try? JSONParser.parse(Array(event.detail))
        else { return nil }
        if try self.orderFile.read()?.approvalOpID == approvalOpID { return try await self.recover() }
        var result = Choros_V1_LandResult()
        result.proposalID = detail["proposal_id"]?.stringValue ?? ""
        result.canonOid = event.resultOid
        result.previousCanonOid = detail["previous_canon_oid"]?.stringValue ?? ""
        result.seq = detail["seq"]?.stringValue ?? ""
        result.tag = "state/\(result.seq)"
        result.auditSeq = event.seq
        result.channel = detail["channel"]?.stringValue ?? ""
        result.approver = detail["approver"]?.stringValue ?? ""
        return result
    }
}
