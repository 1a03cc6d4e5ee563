internal import Foundation

extension ChorosConfiguration {
    /// The file name looked up in `--data-dir`.
    package static let fileName = "choros.toml"

    /// Loads the configuration: the file (if any), then `CHOROS_*` variables over it.
    ///
    /// - Parameters:
    ///   - file: `--config FILE`; a missing file is an error.
    ///   - dataDirectory: `--data-dir DIR`; its `choros.toml` is read when present, and it
    ///     is the data directory whatever the file says.
    /// - Throws: `ConfigurationError` listing every bad key with its own message.
    package static func load(
        file: String? = nil,
        dataDirectory: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ChorosConfiguration {
        var source = ConfigurationSource()
        var configurationFile = file
        if configurationFile == nil, let dataDirectory {
            let candidate = dataDirectory + "/" + Self.fileName
            if FileManager.default.fileExists(atPath: candidate) { configurationFile = candidate }
        }
        if let configurationFile {
            guard let text = try? String(contentsOfFile: configurationFile, encoding: .utf8) else {
                let issue = ConfigurationIssue(
                    key: "--config",
                    origin: configurationFile,
                    problem: "cannot read the file"
                )
                throw ConfigurationError(issues: [issue])
            }
            source = try ConfigurationSource(toml: text, origin: configurationFile)
        }
        source.overlay(environment: environment)
        if let dataDirectory {
            // A relative --data-dir means the working directory's, not the config file's.
            let absolute = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
            source.values["data_dir"] = (.string(absolute), "--data-dir")
        }
        let base =
            configurationFile.map { ($0 as NSString).deletingLastPathComponent }
            ?? FileManager.default.currentDirectoryPath
        return try Self(source: source, configurationFile: configurationFile, baseDirectory: base)
    }

    /// Builds and validates a configuration from raw values (tests build these in memory).
    package init(source: ConfigurationSource, configurationFile: String? = nil, baseDirectory: String) throws {
        var reader = ConfigurationReader(source: source)
        self.configurationFile = configurationFile
        let dataDirectory = Self.absolute(reader.string("data_dir", default: "./choros-data"), base: baseDirectory)
        self.dataDirectory = dataDirectory
        self.gitDirectory = Self.absolute(reader.string("git_dir", default: "git"), base: dataDirectory)
        self.auditDatabase = Self.absolute(reader.string("audit_db", default: "audit.sqlite"), base: dataDirectory)
        self.indexDatabase = Self.absolute(reader.string("index_db", default: "index.sqlite"), base: dataDirectory)
        self.runDirectory = Self.absolute(reader.string("run_dir", default: "run"), base: dataDirectory)
        self.keysDirectory = Self.absolute(reader.string("keys_dir", default: "keys"), base: dataDirectory)
        self.deploymentName = reader.string("deployment_name", default: "choros", nonEmpty: true)
        self.approvers = reader.stringArray("approvers", default: ["practitioner"])
        self.canonRef = reader.string("canon_ref", default: "refs/heads/main")
        self.seqOrigin = reader.sequenceNumber("seq_origin", default: 0)
        self.committerName = reader.string("committer_name", default: "Choros", nonEmpty: true)
        self.committerEmail = reader.string("committer_email", default: "choros@choros.local", nonEmpty: true)
        self.embedBackend = reader.choice("embed_backend", default: .none)
        self.embedURL = reader.string("embed_url", default: "")
        self.embedModel = reader.string("embed_model", default: "")
        self.embedDimension = reader.integer("embed_dim", default: 384, in: 1...8192)
        self.embedDocumentPrefix = reader.string("embed_doc_prefix", default: "")
        self.embedQueryPrefix = reader.string("embed_query_prefix", default: "")
        self.searchScoreFloor = reader.number("search_score_floor", default: 0, in: 0...1)
        self.airlockSecretPath = Self.absolute(
            reader.string("airlock_secret_path", default: "airlock.totp"),
            base: self.keysDirectory
        )
        self.airlockFloorSeconds = reader.integer("airlock_floor_s", default: 120, in: 90...86_400)
        self.airlockCeilingSeconds = reader.integer("airlock_ceiling_s", default: 7200, in: 1...604_800)
        self.practitionerUID = UInt32(
            reader.integer("practitioner_uid", default: Int(Self.owner(of: dataDirectory)), in: 0...Int(UInt32.max))
        )
        self.serviceUID = UInt32(reader.integer("service_uid", default: Int(getuid()), in: 0...Int(UInt32.max)))
        self.instancesGroup = reader.string("instances_group", default: "choros-instances", nonEmpty: true)
        self.backupDirectories = reader.stringArray("backup_dirs", default: [dataDirectory + "/backups"]).map {
            Self.absolute($0, base: dataDirectory)
        }
        self.mirrorRemotes = reader.stringArray("mirror_remotes", default: [])
        self.maximumConnectionsPerUID = reader.integer("max_connections_per_uid", default: 64, in: 1...100_000)
        self.maximumCallsPerInstance = reader.integer("max_calls_per_instance", default: 32, in: 1...4096)
        self.handshakeDeadlineSeconds = reader.integer("handshake_deadline_s", default: 5, in: 1...300)
        self.idleTimeoutSeconds = reader.integer("idle_timeout_s", default: 900, in: 1...86_400)
        self.maximumFrameBytes = reader.integer("max_frame_bytes", default: 16 << 20, in: 1024...(1 << 30))
        self.opFreshnessSeconds = reader.integer("op_freshness_s", default: 300, in: 1...86_400)
        self.logLevel = reader.string("log_level", default: "info")
        self.logFormat = reader.choice("log_format", default: .text)
        self.logMaximumMegabytes = reader.integer("log_max_mb", default: 64, in: 1...65_536)
        self.logKeep = reader.integer("log_keep", default: 5, in: 0...100)
        self.metricsListen = reader.string("metrics_listen", default: "127.0.0.1:9464")
        self.cockpitPort = reader.integer("cockpit_port", default: 8788, in: 0...65_535)
        self.httpEnabled = reader.boolean("http_enabled", default: false)
        self.httpListen = reader.string("http_listen", default: "127.0.0.1:8765")
        self.authDatabase = Self.absolute(reader.string("auth_db", default: "auth.sqlite"), base: dataDirectory)
        self.httpMaximumSessions = reader.integer("http_max_sessions", default: 256, in: 1...100_000)
        self.httpBindAny = reader.boolean("http_bind_any", default: false)
        self.httpPublicURL = reader.string("http_public_url", default: "")
        while self.httpPublicURL.hasSuffix("/") { self.httpPublicURL.removeLast() }
        self.httpAllowedHosts = reader.stringArray("http_allowed_hosts", default: []).map { $0.lowercased() }
        self.httpTLSCertificate = reader.string("http_tls_cert", default: "")
        self.httpTLSKey = reader.string("http_tls_key", default: "")
        if !self.httpTLSCertificate.isEmpty {
            self.httpTLSCertificate = Self.absolute(self.httpTLSCertificate, base: dataDirectory)
        }
        if !self.httpTLSKey.isEmpty { self.httpTLSKey = Self.absolute(self.httpTLSKey, base: dataDirectory) }
        self.validateRelations(&reader)
        reader.reportUnknownKeys()
        if !reader.issues.isEmpty { throw ConfigurationError(issues: reader.issues) }
    }

    /// Checks that involve more than one key or a key's meaning rather than its type.
    private func validateRelations(_ reader: inout ConfigurationReader) {
        if self.embedBackend == .openAICompatible && self.embedURL.isEmpty {
            reader.report("embed_url", "is required when embed_backend is \"openai-compatible\"")
        }
        if !self.embedURL.isEmpty, !(self.embedURL.hasPrefix("http://") || self.embedURL.hasPrefix("https://")) {
            reader.report("embed_url", "must be an http:// or https:// URL, got \"\(self.embedURL)\"")
        }
        if self.airlockCeilingSeconds <= self.airlockFloorSeconds {
            reader.report(
                "airlock_ceiling_s",
                "must be greater than airlock_floor_s (\(self.airlockCeilingSeconds) ≤ \(self.airlockFloorSeconds))"
            )
        }
        if !self.canonRef.hasPrefix("refs/heads/") || self.canonRef.count <= "refs/heads/".count {
            reader.report("canon_ref", "must be a branch under refs/heads/, got \"\(self.canonRef)\"")
        }
        if self.approvers.isEmpty || self.approvers.contains(where: \.isEmpty) {
            reader.report("approvers", "must list at least one non-empty name")
        }
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        if !levels.contains(self.logLevel) {
            reader.report("log_level", "must be one of \(levels.joined(separator: ", ")), got \"\(self.logLevel)\"")
        }
        if !self.metricsListen.isEmpty, self.metricsAddress == nil {
            reader.report("metrics_listen", "must be HOST:PORT (port 1…65535) or empty, got \"\(self.metricsListen)\"")
        }
        if self.httpTLSCertificate.isEmpty != self.httpTLSKey.isEmpty {
            reader.report(
                self.httpTLSCertificate.isEmpty ? "http_tls_cert" : "http_tls_key",
                "http_tls_cert and http_tls_key go together: set both or neither"
            )
        }
        if self.httpAddress == nil {
            reader.report("http_listen", "must be HOST:PORT (port 0…65535), got \"\(self.httpListen)\"")
        } else if let host = self.httpAddress?.host, !Self.isLoopback(host), !Self.isTailnet(host) {
            if !self.httpBindAny {
                reader.report(
                    "http_listen",
                    "must be a loopback or tailnet address (127.0.0.1, ::1, localhost, 100.64.0.0/10, "
                        + "fd7a:115c:a1e0::/48), got \"\(host)\"; set http_bind_any = true (with TLS) to expose it"
                )
            } else if self.httpTLSCertificate.isEmpty {
                reader.report(
                    "http_bind_any",
                    "exposes \"\(host)\" without TLS: set http_tls_cert and http_tls_key, or listen on loopback "
                        + "behind a TLS proxy"
                )
            }
        }
        if !self.httpPublicURL.isEmpty, self.httpPublicHost == nil {
            reader.report(
                "http_public_url",
                "must be https://HOST[:PORT] (or http:// on loopback) with no path, query or fragment, "
                    + "got \"\(self.httpPublicURL)\""
            )
        }
        let socketPath = self.runDirectory + "/" + Self.longestSocketName
        if socketPath.utf8.count >= Self.maximumSocketPathBytes {
            reader.report(
                "run_dir",
                "is too long for Unix sockets: \(socketPath) is \(socketPath.utf8.count) bytes, "
                    + "the limit is \(Self.maximumSocketPathBytes - 1)"
            )
        }
    }

    private static func absolute(_ path: String, base: String) -> String {
        let joined = path.hasPrefix("/") ? path : base + "/" + path
        return (joined as NSString).standardizingPath
    }

    /// The owner of `path`, or of the nearest existing parent, or our own uid.
    private static func owner(of path: String) -> UInt32 {
        var candidate = path
        while !candidate.isEmpty {
            var info = stat()
            if stat(candidate, &info) == 0 { return info.st_uid }
            let parent = (candidate as NSString).deletingLastPathComponent
            if parent == candidate { break }
            candidate = parent
        }
        return getuid()
    }
}
