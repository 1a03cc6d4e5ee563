internal import GRDB

/// The claims graph's tables (CLAIMS.md). A projection of the audit log's claim ops, like
/// the entries are of git: `reindex` drops and replays them. Every lookup a write or a
/// cascade makes goes through one of these indexes.
enum ClaimTables {
    static let names = [
        "claim_nodes", "claim_inputs", "claim_suppressions", "claim_invalidations", "claim_explanations",
    ]

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE claim_nodes (
                    op_id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    author TEXT NOT NULL,
                    author_id TEXT NOT NULL,
                    ts INTEGER NOT NULL,
                    seq INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    cause TEXT NOT NULL DEFAULT '',
                    reason TEXT NOT NULL DEFAULT '',
                    claim_key TEXT NOT NULL DEFAULT '',
                    subject TEXT NOT NULL DEFAULT '',
                    predicate TEXT NOT NULL DEFAULT '',
                    value_json TEXT NOT NULL DEFAULT '',
                    value_hash TEXT NOT NULL DEFAULT '',
                    confidence_ppm INTEGER NOT NULL DEFAULT 0,
                    deriver TEXT NOT NULL DEFAULT '',
                    deriver_version TEXT NOT NULL DEFAULT '',
                    rationale TEXT NOT NULL DEFAULT '',
                    corrects TEXT NOT NULL DEFAULT '',
                    supersedes TEXT NOT NULL DEFAULT '',
                    source TEXT NOT NULL DEFAULT '',
                    evidence_kind TEXT NOT NULL DEFAULT '',
                    entry_ref TEXT NOT NULL DEFAULT '',
                    entry_path TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX claim_nodes_key ON claim_nodes(claim_key, state);
                CREATE INDEX claim_nodes_subject ON claim_nodes(subject, seq);
                CREATE INDEX claim_nodes_entry_path ON claim_nodes(entry_path);
                CREATE TABLE claim_inputs (
                    claim TEXT NOT NULL,
                    input TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    PRIMARY KEY (claim, input)
                ) WITHOUT ROWID;
                CREATE INDEX claim_inputs_input ON claim_inputs(input, claim);
                CREATE TABLE claim_suppressions (
                    op_id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    claim_key TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    value_hash TEXT NOT NULL,
                    target TEXT NOT NULL,
                    seq INTEGER NOT NULL
                );
                CREATE INDEX claim_suppressions_key ON claim_suppressions(claim_key, scope, value_hash);
                CREATE TABLE claim_invalidations (
                    target TEXT NOT NULL,
                    cause TEXT NOT NULL,
                    op_id TEXT NOT NULL,
                    path TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    PRIMARY KEY (target, cause)
                ) WITHOUT ROWID;
                CREATE INDEX claim_invalidations_cause ON claim_invalidations(cause, seq);
                CREATE TABLE claim_explanations (
                    op_id TEXT PRIMARY KEY,
                    claim TEXT NOT NULL,
                    author TEXT NOT NULL,
                    seq INTEGER NOT NULL
                );
                CREATE INDEX claim_explanations_claim ON claim_explanations(claim);
                """
        )
    }

    static func clear(_ db: Database) throws {
        for table in Self.names { try db.execute(sql: "DELETE FROM \(table)") }
    }
}
