/// Every check that refuses, by the name it carries on the wire (`details["gate"]`, the
/// audit log's `denied` events, the MCP error object). One catalogue for every service, so a
/// gate cannot be misspelt at one call site and a client can match on the names here.
extension Refusal {
    package struct Gate: Sendable, Hashable, CustomStringConvertible {
        /// The wire form: `kip_get.ref`, `identity`, ...
        package let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// A gate another daemon named in its answer, relayed as it came.
        package init(relaying name: String) {
            self.name = name
        }

        package var description: String { self.name }

        package static let airlock = Gate("airlock")
        package static let approval = Gate("approval")
        package static let audit = Gate("audit")
        package static let canon = Gate("canon")
        package static let canonDiffCanon = Gate("canon_diff.canon")
        package static let claimInputs = Gate("claim.inputs")
        package static let claimInvalidate = Gate("claim.invalidate")
        package static let claimJudge = Gate("claim.judge")
        package static let claimRetract = Gate("claim.retract")
        package static let claimSupersedes = Gate("claim.supersedes")
        package static let claimSuppressed = Gate("claim.suppressed")
        package static let claimTarget = Gate("claim.target")
        package static let claimExplainClaim = Gate("claim_explain.claim")
        package static let code = Gate("code")
        package static let conflictPreviewProposal = Gate("conflict_preview.proposal")
        package static let connections = Gate("connections")
        package static let connector = Gate("connector")
        package static let contentBinding = Gate("content_binding")
        package static let floor = Gate("floor")
        package static let handshake = Gate("handshake")
        package static let idempotency = Gate("idempotency")
        package static let identity = Gate("identity")
        package static let impMarkReadMessage = Gate("imp_mark_read.message")
        package static let impSendRecipients = Gate("imp_send.recipients")
        package static let impSendSupersedes = Gate("imp_send.supersedes")
        package static let input = Gate("input")
        package static let kipCommitImmutable = Gate("kip_commit.immutable")
        package static let kipGetPath = Gate("kip_get.path")
        package static let kipGetRef = Gate("kip_get.ref")
        package static let land = Gate("land")
        package static let lane = Gate("lane")
        package static let logEntry = Gate("log_entry")
        package static let merge = Gate("merge")
        package static let op = Gate("op")
        package static let peer = Gate("peer")
        package static let proposal = Gate("proposal")
        package static let proposalCreator = Gate("proposal.creator")
        package static let proposalStatusProposal = Gate("proposal_status.proposal")
        package static let proposeCanon = Gate("propose.canon")
        package static let proposeClosed = Gate("propose.closed")
        package static let proposeFrozen = Gate("propose.frozen")
        package static let proposeLogEntry = Gate("propose.log_entry")
        package static let proposeReconciled = Gate("propose.reconciled")
        package static let proposeCloseProposal = Gate("propose_close.proposal")
        package static let proposeRetractPath = Gate("propose_retract.path")
        package static let proposeRetractProposal = Gate("propose_retract.proposal")
        package static let quota = Gate("quota")
        package static let rate = Gate("rate")
        package static let registry = Gate("registry")
        package static let relay = Gate("relay")
        package static let staged = Gate("staged")
        package static let supReconcileCanon = Gate("sup_reconcile.canon")
        package static let supReconcileCursor = Gate("sup_reconcile.cursor")
        package static let vapRecordBinds = Gate("vap_record.binds")
        package static let vapRecordDignity = Gate("vap_record.dignity")
    }
}
