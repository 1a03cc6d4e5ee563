/// Every operation type (IDENTITY.md and CLAIMS.md) and who signs it.
///
/// Beyond the tables: `proposal.close` (the `propose_close` tool writes a tombstone commit)
/// and `claim.retract` (the `claim_retract` tool), which TOOLS.md and CLAIMS.md name as
/// signed writes without listing a type.
package enum OperationType: String, Sendable, CaseIterable {
    case entryCommit = "entry.commit"
    case proposalAdd = "proposal.add"
    case proposalRetract = "proposal.retract"
    case proposalClose = "proposal.close"
    case messageSend = "message.send"
    case messageRead = "message.read"
    case vantageRecord = "vantage.record"
    case canonPull = "canon.pull"
    case reconcileReport = "reconcile.report"
    case airlockStage = "airlock.stage"
    case airlockLand = "airlock.land"
    case airlockRevert = "airlock.revert"
    case canonLand = "canon.land"
    case instanceEnroll = "instance.enroll"
    case instanceRevoke = "instance.revoke"
    case evidenceAdd = "evidence.add"
    case claimAssert = "claim.assert"
    case claimRetract = "claim.retract"
    case claimRefute = "claim.refute"
    case claimCorrect = "claim.correct"
    case claimInvalidate = "claim.invalidate"
    case explanationRecord = "explanation.record"
    /// A write the engine makes on its own refs (audit anchors, cascade messages, the backup's
    /// audit snapshot), bound to the ref and the exact changes it carries.
    case systemCommit = "system.commit"

    /// Who may sign an operation of this type; the gateway and the airlock enforce it.
    package enum Signer: Sendable {
        case instance
        case practitioner
        case instanceOrPractitioner
        case system
    }

    package var signer: Signer {
        switch self {
        case .canonLand, .instanceEnroll, .instanceRevoke, .claimRefute, .claimCorrect: .practitioner
        case .evidenceAdd, .claimAssert, .explanationRecord: .instanceOrPractitioner
        case .claimInvalidate, .systemCommit: .system
        default: .instance
        }
    }
}
