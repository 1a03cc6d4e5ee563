extension OperationType {
    /// The fields of an entry envelope that `kip_commit` and `propose` accept (TOOLS.md).
    private static func entryFields(_ schema: BodySchema) -> BodySchema {
        schema.optional(
            ("title", .text),
            ("type", .text),
            ("tags", .strings),
            ("references", .strings),
            ("supersedes", .path),
            ("status", .oneOf(["active", "superseded"])),
            ("superseded_by", .path)
        )
    }

    /// The body's fields for this type (IDENTITY.md, CLAIMS.md). Every instance write carries
    /// `key`, the caller's request key, so a re-signed retry maps to the same act.
    var bodySchema: BodySchema {
        switch self {
        case .entryCommit:
            Self.entryFields(.required(("key", .requestKey), ("domain", .domain), ("slug", .slug), ("body", .anyText)))
        case .proposalAdd:
            Self.entryFields(
                .required(
                    ("key", .requestKey),
                    ("proposal_id", .slug),
                    ("domain", .domain),
                    ("slug", .slug),
                    ("body", .anyText)
                )
            ).optional(("seq", .text))
        case .proposalRetract:
            .required(("key", .requestKey), ("proposal_id", .slug), ("path", .path))
        case .proposalClose:
            .required(("key", .requestKey), ("proposal_id", .slug), ("reason", .text))
        case .messageSend:
            BodySchema.required(("key", .requestKey), ("recipients", .names), ("subject", .text), ("body", .anyText))
                .optional(("coordinates", .text), ("supersedes", .path))
        case .messageRead:
            BodySchema.required(("message_path", .path)).optional(("sender_ref", .text), ("key", .requestKey))
        case .vantageRecord:
            BodySchema.required(
                ("key", .requestKey),
                ("binds", .path),
                ("horizon", .text),
                ("kind", .oneOf(["confirmed", "reconstructed"]))
            ).optional(("title", .text))
        case .canonPull:
            BodySchema(fields: []).optional(("key", .requestKey), ("canon_tip", .gitOID))
        case .reconcileReport:
            BodySchema.required(("report", .text)).optional(("key", .requestKey))
        case .airlockStage, .airlockRevert:
            BodySchema.required(("proposal_id", .slug)).optional(("key", .requestKey))
        case .airlockLand:
            BodySchema.required(("staged_oid_prefix", .gitOIDPrefix)).optional(("key", .requestKey))
        case .canonLand:
            .required(("proposal_id", .slug), ("candidate_oid", .gitOID), ("channel", .oneOf(["console", "airlock"])))
        case .instanceEnroll, .instanceRevoke:
            .required(("name", .name), ("author", .author))
        case .systemCommit:
            .required(("ref", .text), ("changes", .text))
        default:
            self.claimBodySchema
        }
    }

    private var claimBodySchema: BodySchema {
        switch self {
        case .evidenceAdd:
            BodySchema.required(
                ("source", .text),
                ("kind", .text),
                ("content", .object),
                ("observed_at", .integer(0...JSONValue.maximumInteger))
            ).optional(("external_id", .text), ("key", .requestKey))
        case .claimAssert:
            BodySchema.required(
                ("claim_key", .claimKey),
                ("subject", .text),
                ("predicate", .text),
                ("value", .object),
                ("confidence_ppm", .integer(0...1_000_000)),
                ("deriver", .text),
                ("deriver_version", .text),
                ("inputs", .opIDs),
                ("rationale", .text)
            ).optional(("params", .object), ("supersedes", .opID), ("key", .requestKey))
        case .claimRetract:
            BodySchema.required(("target", .opID), ("claim_key", .claimKey), ("reason", .text))
                .optional(("key", .requestKey))
        case .claimRefute:
            BodySchema.required(
                ("target", .opID),
                ("claim_key", .claimKey),
                ("reason", .text),
                ("scope", .oneOf(["value", "key"]))
            ).optional(("key", .requestKey))
        case .claimCorrect:
            BodySchema.required(
                ("target", .opID),
                ("claim_key", .claimKey),
                ("corrected_value", .object),
                ("reason", .text)
            ).optional(("key", .requestKey))
        case .claimInvalidate:
            .required(("target", .opID), ("cause", .opID), ("path", .opIDs))
        case .explanationRecord:
            BodySchema.required(
                ("claim", .opID),
                ("claim_key", .claimKey),
                ("summary", .text),
                ("chain", .steps),
                ("generated_by", .text)
            ).optional(("key", .requestKey))
        default:
            BodySchema(fields: [])
        }
    }

    /// Checks `body` against this type: the schema, then rules that tie fields together.
    ///
    /// - Throws: `BodyError` naming the first field that is wrong.
    package func validate(body: [String: JSONValue]) throws(BodyError) {
        try self.bodySchema.validate(body)
        switch self {
        case .claimAssert:
            let expected = ClaimKey(
                subject: body["subject"]?.stringValue ?? "",
                predicate: body["predicate"]?.stringValue ?? ""
            )
            guard body["claim_key"]?.stringValue == expected.rawValue else {
                throw BodyError(
                    field: "claim_key",
                    problem: "does not match subject and predicate (expected \(expected))"
                )
            }
        case .claimInvalidate:
            let path = body["path"]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard path.first == body["cause"]?.stringValue, path.last == body["target"]?.stringValue else {
                throw BodyError(field: "path", problem: "must run from 'cause' to 'target'")
            }
        default:
            break
        }
    }
}
