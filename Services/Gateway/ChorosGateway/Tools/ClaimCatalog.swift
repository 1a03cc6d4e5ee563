internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import SwiftProtobuf

/// The claims group (CLAIMS.md). A write's arguments are its op's body as CLAIMS.md defines
/// it; `claim_key` (and an explanation's `chain`) are filled in by the client library when
/// left out, so an MCP caller names only what it knows.
extension Gateway {
    static let claimTools: [GatewayTool] = [
        .write(
            "evidence_add",
            rpc: "EvidenceAdd",
            .evidenceAdd,
            "Record an observation as evidence (never a belief): its source, kind and content.",
            [
                .required("source", "where it came from, e.g. instance.observation or adapter.calendar"),
                .required("kind", "what sort of observation"),
                .required("content", "the observation", .object),
                .required("observed_at", "when it was observed (unix ms)", .integer),
                .optional("external_id", "the source's own id"),
                .opID,
            ],
            { gateway, call in try await gateway.recordClaimOp(call) }
        ),
        .write(
            "claim_assert",
            rpc: "ClaimAssert",
            .claimAssert,
            "Assert a claim derived from existing evidence, claims or entry-committing ops (its inputs).",
            [
                .required("subject", "what the claim is about"),
                .required("predicate", "which property of the subject"),
                .required("value", "the claimed value", .object),
                .required("confidence_ppm", "confidence in parts per million (0-1000000)", .integer),
                .required("deriver", "what derived it"),
                .required("deriver_version", "the deriver's version"),
                .required("inputs", "op ids it was derived from (they must exist and be believed)", .strings),
                .required("rationale", "why the inputs support the value"),
                .optional("params", "the deriver's parameters", .object),
                .optional("supersedes", "an earlier claim of yours this one replaces"),
                .optional("claim_key", "ck_… of {subject, predicate} (computed when omitted)"),
                .opID,
            ],
            { gateway, call in try await gateway.recordClaimOp(call) }
        ),
        .write(
            "claim_retract",
            rpc: "ClaimRetract",
            .claimRetract,
            "Withdraw one of your own claims.",
            [
                .required("target", "the claim's op id"),
                .required("reason", "why"),
                .optional("claim_key", "the claim's key (looked up when omitted)"),
                .opID,
            ],
            { gateway, call in try await gateway.recordClaimOp(call) }
        ),
        .write(
            "explanation_record",
            rpc: "ExplanationRecord",
            .explanationRecord,
            "Keep, signed, the explanation of a claim as it stands now.",
            [
                .required("claim", "the claim's op id"),
                .required("summary", "the explanation in your words"),
                .optional("claim_key", "the claim's key (looked up when omitted)"),
                .optional("chain", "the steps (claim_explain's chain when omitted)", .objects),
                .optional("generated_by", "what produced the chain", default: "claim_explain"),
                .opID,
            ],
            { gateway, call in try await gateway.recordClaimOp(call) }
        ),
        .read(
            "belief",
            rpc: "Belief",
            "Every active claim under (subject, predicate), attributed, never averaged; corrections first.",
            [.required("subject", "what the claims are about"), .required("predicate", "which property")],
            { (gateway, request: Choros_V1_BeliefRequest, _) in
                try await gateway.daemons.index.call(IndexRPC.belief, request)
            }
        ),
        .read(
            "claims_for",
            rpc: "ClaimsFor",
            "Claims citing an entry path, or claims about a subject, with their states.",
            [
                .optional("entry", "an entry path"),
                .optional("subject", "a subject"),
                .optional("limit", "at most this many (default 100)", .integer),
            ],
            { gateway, request, _ in try await gateway.claimsFor(request) }
        ),
        .read(
            "claim_explain",
            rpc: "ClaimExplain",
            "Why a claim is believed (or not): its inputs back to evidence and entries, with states, and for an invalidated claim the path to the cause.",
            [
                .required("claim", "the claim's op id"),
                .optional("bundle", "also return a verifiable bundle (choros verify-bundle)", .boolean),
            ],
            { gateway, request, _ in try await gateway.claimExplain(request) }
        ),
        .read(
            "lineage_impact",
            rpc: "LineageImpact",
            "Everything downstream of an entry path or an op: entries via references/supersedes, claims via inputs.",
            [.optional("path", "an entry path"), .optional("op", "an op id")],
            { gateway, request, _ in try await gateway.lineageImpact(request) }
        ),
    ]
}
