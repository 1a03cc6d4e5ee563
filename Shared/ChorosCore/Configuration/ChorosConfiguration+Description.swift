extension ChorosConfiguration {
    /// Every key with its resolved value, in documentation order, for `choros config check`.
    /// No key holds a secret (the airlock secret is a path), so nothing is redacted.
    package var resolvedEntries: [(key: String, value: any Sendable)] {
        [
            ("data_dir", self.dataDirectory), ("git_dir", self.gitDirectory), ("audit_db", self.auditDatabase),
            ("index_db", self.indexDatabase), ("run_dir", self.runDirectory), ("keys_dir", self.keysDirectory),
            ("deployment_name", self.deploymentName), ("approvers", self.approvers), ("canon_ref", self.canonRef),
            ("seq_origin", self.seqOrigin), ("committer_name", self.committerName),
            ("committer_email", self.committerEmail), ("embed_backend", self.embedBackend.rawValue),
            ("embed_url", self.embedURL), ("embed_model", self.embedModel), ("embed_dim", self.embedDimension),
            ("embed_doc_prefix", self.embedDocumentPrefix), ("embed_query_prefix", self.embedQueryPrefix),
            ("search_score_floor", self.searchScoreFloor), ("airlock_secret_path", self.airlockSecretPath),
            ("airlock_floor_s", self.airlockFloorSeconds), ("airlock_ceiling_s", self.airlockCeilingSeconds),
            ("practitioner_uid", Int(self.practitionerUID)), ("max_frame_bytes", self.maximumFrameBytes),
            ("op_freshness_s", self.opFreshnessSeconds), ("log_level", self.logLevel),
            ("log_format", self.logFormat.rawValue), ("log_max_mb", self.logMaximumMegabytes),
            ("log_keep", self.logKeep),
            ("metrics_listen", self.metricsListen), ("http_enabled", self.httpEnabled),
            ("http_listen", self.httpListen), ("auth_db", self.authDatabase),
            ("http_max_sessions", self.httpMaximumSessions), ("http_tls_cert", self.httpTLSCertificate),
            ("http_tls_key", self.httpTLSKey), ("http_allowed_hosts", self.httpAllowedHosts),
            ("http_bind_any", self.httpBindAny), ("http_public_url", self.httpPublicURL),
            ("cockpit_port", self.cockpitPort),
        ]
    }
}
