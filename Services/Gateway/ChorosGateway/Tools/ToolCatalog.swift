internal import ChorosCore
internal import ChorosProto
internal import ChorosWire

/// Every instance tool (TOOLS.md): one definition each, from which the
/// catalog, the typed RPCs and `CallTool` dispatch are all derived.
extension Gateway {
    static let tools: [GatewayTool] =
        orientTools + authorTools + proposalTools + coherenceTools + messageTools
        + airlockTools + claimTools

    static let toolsByName: [String: GatewayTool] = Dictionary(
        uniqueKeysWithValues: tools.map { ($0.definition.name, $0) }
    )

    private static let entryParameters: [ToolParameter] = [
        .optional("title", "the title (default: the slug)"),
        .optional("type", "the entry type (default kno; log for a meta/log entry)"),
        .optional("tags", "tags", .strings),
        .optional("references", "paths this entry references", .strings),
        .optional("supersedes", "the path this entry supersedes"),
        .optional("status", "active or superseded"),
        .optional("superseded_by", "with status superseded: the successor's path"),
    ]

    private static let orientTools: [GatewayTool] = [
        .read(
            "announce",
            rpc: "Announce",
            "Welcome: the deployment, orientation, canon head, your perspective tip, unread practitioner mail.",
            [.optional("instance_id", "for compatibility: omitted means you")],
            { try await $0.announce($1, $2) }
        ),
        .read(
            "orientation",
            rpc: "Orientation",
            "The machinery preamble and the deployment's orientation slots rendered live from canon.",
            [],
            { try await $0.orientation($1, $2) }
        ),
        .read(
            "whoami",
            rpc: "Whoami",
            "Your name, author id, perspective ref, write tools and enrollment time.",
            [],
            { try await $0.whoami($1, $2) }
        ),
        .read(
            "canon_head",
            rpc: "CanonHead",
            "Canon's tip, seq, display, next seq and entry paths.",
            [],
            { try await $0.canonHead($1, $2) }
        ),
        .read(
            "canon_state",
            rpc: "CanonState",
            "canon_head plus the last 10 lands and your unread practitioner mail.",
            [],
            { try await $0.canonState($1, $2) }
        ),
    ]

    private static let authorTools: [GatewayTool] = [
        .write(
            "kip_commit",
            rpc: "KipCommit",
            .entryCommit,
            "Write <domain>/<slug>.md to your perspective. Bodies are immutable: supersede to a new slug.",
            [
                .required("domain", "lowercase path segments, e.g. practice or notes/ideas"),
                .required("slug", "one path segment"),
                .required("body", "the markdown body"),
                .opID,
                .optional("instance_id", "for compatibility: omitted means you"),
            ] + entryParameters,
            { try await $0.kipCommit($1, $2) }
        ),
        .read(
            "kip_get",
            rpc: "KipGet",
            "Read an entry: ref is canon, an instance name or a full ref; resolve=live follows superseded_by.",
            [
                .required("ref", "canon, an instance name, or a full ref"),
                .required("path", "the entry path (.md optional)"),
                .optional("resolve", "live or exact", default: "live"),
            ],
            { try await $0.kipGet($1, $2) }
        ),
        .read(
            "list_entries",
            rpc: "ListEntries",
            "Entry pointers {path, title, type, status} under a ref.",
            [
                .required("ref", "canon, an instance name, or a full ref"),
                .optional("path", "a directory to list under", default: ""),
            ],
            { try await $0.listEntries($1, $2) }
        ),
        .read(
            "my_perspective",
            rpc: "MyPerspective",
            "Your perspective's tip and entry pointers.",
            [],
            { try await $0.myPerspective($1, $2) }
        ),
        .read(
            "kip_history",
            rpc: "KipHistory",
            "Versions of an entry, newest first.",
            [.required("ref", "canon, an instance name, or a full ref"), .required("path", "the entry path")],
            { try await $0.kipHistory($1, $2) }
        ),
        .read(
            "map_search",
            rpc: "MapSearch",
            "Attributed search over canon and perspectives (never messages or vantages).",
            [
                .required("query", "what to look for"),
                .optional("scope", "all, canon or mine", default: "all"),
                .optional("type", "only this entry type"),
                .optional("limit", "1-100", .integer, default: 10),
                .optional("include_superseded", "include superseded entries", .boolean, default: false),
            ],
            { try await $0.mapSearch($1, $2) }
        ),
    ]

    private static let proposalTools: [GatewayTool] = [
        .write(
            "propose",
            rpc: "Propose",
            .proposalAdd,
            "Add an entry to proposal <proposal_id> (opened at canon's tip). A proposal needs exactly one log entry, meta/log/<next seq>.md.",
            [
                .required("proposal_id", "the proposal's name"),
                .required("domain", "lowercase path segments (meta/log for the log entry)"),
                .required("slug", "one path segment (the seq in lowercase hex for a log entry)"),
                .required("body", "the markdown body"),
                .opID,
                .optional("seq", "a log entry's seq (equal to its slug)"),
            ] + entryParameters,
            { try await $0.propose($1, $2) }
        ),
        .write(
            "propose_retract",
            rpc: "ProposeRetract",
            .proposalRetract,
            "Take a path back out of your proposal (canon's version is restored if canon has it).",
            [.required("proposal_id", "the proposal"), .required("path", "the path to retract"), .opID],
            { try await $0.proposeRetract($1, $2) }
        ),
        .write(
            "propose_close",
            rpc: "ProposeClose",
            .proposalClose,
            "Close a proposal for good (its creator or an approver).",
            [.required("proposal_id", "the proposal"), .required("reason", "why"), .opID],
            { try await $0.proposeClose($1, $2) }
        ),
        .read(
            "proposal_status",
            rpc: "ProposalStatus",
            "open, landed or closed (with the reason).",
            [.required("proposal_id", "the proposal")],
            { try await $0.proposalStatus($1, $2) }
        ),
        .read(
            "list_proposals",
            rpc: "ListProposals",
            "Every proposal with its state.",
            [],
            { try await $0.listProposals($1, $2) }
        ),
        .read(
            "conflict_preview",
            rpc: "ConflictPreview",
            "Read-only: conflicts, changed paths, canon removals, log entries and the expected seq.",
            [.required("proposal_id", "the proposal")],
            { try await $0.conflictPreview($1, $2) }
        ),
    ]

    private static let coherenceTools: [GatewayTool] = [
        .write(
            "canon_diff",
            rpc: "CanonDiff",
            .canonPull,
            "What changed in canon since your cursor (all of canon on the first pull); moves your cursor to canon's tip.",
            [
                .optional("include_bodies", "include every body (log entries always)", .boolean, default: false),
                .optional("op_id", "a key for this pull"),
            ],
            { try await $0.canonDiff($1, $2) }
        ),
        .write(
            "sup_reconcile",
            rpc: "SupReconcile",
            .reconcileReport,
            "File your reconciliation with canon's tip (your cursor must be at it): state/reconciled-<tip12>.md.",
            [
                .required("body", "a short self-report of what changed and what it means for you"),
                .optional("op_id", "a key"),
            ],
            bodyFields: ["op_id": "key", "body": "report"],
            { try await $0.supReconcile($1, $2) }
        ),
        .read(
            "sup_state",
            rpc: "SupState",
            "Your state entries, canon cursor and whether you are current with canon.",
            [],
            { try await $0.supState($1, $2) }
        ),
        .read(
            "sup_who",
            rpc: "SupWho",
            "Every enrolled instance with its cursor and whether it is current with canon.",
            [],
            { try await $0.supWho($1, $2) }
        ),
        .read(
            "list_instances",
            rpc: "ListInstances",
            "Every enrolled instance (as sup_who).",
            [],
            { try await $0.supWho($1, $2) }
        ),
    ]

    private static let messageTools: [GatewayTool] = [
        .write(
            "imp_send",
            rpc: "ImpSend",
            .messageSend,
            "Send a message (messages/<op_id>.md on your perspective) to enrolled instances or 'practitioner'.",
            [
                .required("recipients", "enrolled names or practitioner", .strings),
                .required("subject", "the subject"),
                .required("body", "the message"),
                .opID,
                .optional("coordinates", "where it applies"),
                .optional("supersedes", "a message of yours this one replaces"),
                .optional("sender", "for compatibility: omitted means you"),
            ],
            { try await $0.impSend($1, $2) }
        ),
        .read(
            "imp_check",
            rpc: "ImpCheck",
            "Your inbox.",
            [.optional("unread_only", "only unread messages", .boolean, default: true)],
            { try await $0.impCheck($1, $2) }
        ),
        .read(
            "imp_flags",
            rpc: "ImpFlags",
            "Unread count and senders.",
            [],
            { try await $0.impFlags($1, $2) }
        ),
        .write(
            "imp_mark_read",
            rpc: "ImpMarkRead",
            .messageRead,
            "A read receipt for a message in your inbox.",
            [
                .required("message_path", "the message's path"),
                .optional("sender_ref", "the sender's ref, when two senders share a path"),
                .optional("op_id", "a key"),
            ],
            { try await $0.impMarkRead($1, $2) }
        ),
        .write(
            "vap_record",
            rpc: "VapRecord",
            .vantageRecord,
            "Record a vantage (vantages/<op_id>.md) bound to an entry; 'confirmed' only on your own entries.",
            [
                .required("binds", "the entry path it binds to"),
                .required("horizon", "what you could see from here"),
                .opID,
                .optional("kind", "confirmed or reconstructed", default: "confirmed"),
                .optional("title", "a title"),
            ],
            { try await $0.vapRecord($1, $2) }
        ),
        .read(
            "vap_for",
            rpc: "VapFor",
            "Vantages bound to an entry, by an author, or at a canon state; paged.",
            [
                .optional("entry", "an entry path"),
                .optional("author", "an instance name"),
                .optional("canon_state", "a canon state"),
                .optional("limit", "1-100", .integer, default: 16),
                .optional("offset", "skip this many", .integer, default: 0),
                .optional("detail", "pointer or full", default: "pointer"),
            ],
            { try await $0.vapFor($1, $2) }
        ),
    ]

    private static let airlockTools: [GatewayTool] = [
        .write(
            "stage_approve",
            rpc: "StageApprove",
            .airlockStage,
            "Relay the practitioner's first TOTP code to stage a proposal for landing.",
            [.required("proposal_id", "the proposal"), .required("code", "the practitioner's 6-digit code")],
            sideArguments: ["code"],
            { try await $0.stageApprove($1, $2) }
        ),
        .write(
            "land_approve",
            rpc: "LandApprove",
            .airlockLand,
            "Relay the practitioner's second TOTP code to land a staged proposal.",
            [
                .required("staged_oid_prefix", "at least 8 hex digits of the staged oid"),
                .required("code", "the practitioner's 6-digit code"),
            ],
            sideArguments: ["code"],
            { try await $0.landApprove($1, $2) }
        ),
        .write(
            "stage_revert",
            rpc: "StageRevert",
            .airlockRevert,
            "Revert a staged proposal (free, no code).",
            [.required("proposal_id", "the proposal")],
            { try await $0.stageRevert($1, $2) }
        ),
    ]
}
