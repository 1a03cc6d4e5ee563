internal import Foundation

/// The deployment's configuration: `choros.toml` (flat TOML), overridden by `CHOROS_<KEY>`
/// environment variables. Every process reads the same file and uses the keys it needs.
///
/// Keys (type, default, range; none of them is a secret, they only point at secrets):
/// - `data_dir` (string, `./choros-data`): everything below defaults inside it. Relative
///   paths are resolved against the directory holding `choros.toml` (or the working
///   directory when there is no file); other relative paths against `data_dir`.
/// - `git_dir` (`<data_dir>/git`), `audit_db` (`<data_dir>/audit.sqlite`), `index_db`
///   (`<data_dir>/index.sqlite`), `run_dir` (`<data_dir>/run`, the sockets; with the socket
///   name it must stay under 104 bytes), `keys_dir` (`<data_dir>/keys`).
/// - `deployment_name` (string, `choros`), `approvers` (array of names, `["practitioner"]`,
///   not empty), `canon_ref` (string, `refs/heads/main`, must start with `refs/heads/`).
/// - `seq_origin` (integer ≥ 0 or a hex string like `"0x3b"`, 0).
/// - `committer_name` (`Choros`), `committer_email` (`choros@choros.local`).
/// - `embed_backend` (`none` | `hashed` | `openai-compatible`, `none`); `embed_url` (required
///   for `openai-compatible`, http or https); `embed_model` (string, `""`); `embed_dim`
///   (integer 1…8192, 384); `embed_doc_prefix` / `embed_query_prefix` (strings, `""`).
/// - `search_score_floor` (number 0…1, 0).
/// - `airlock_secret_path` (`<keys_dir>/airlock.totp`); `airlock_floor_s` (integer ≥ 90,
///   120); `airlock_ceiling_s` (integer > floor, 7200).
/// - `practitioner_uid` (integer ≥ 0, default the owner of `data_dir`).
/// - `service_uid` (integer ≥ 0, default the daemon's own uid): the only peer the internal
///   sockets admit (TRUST.md).
/// - `backup_dirs` (array of absolute directories, `["<data_dir>/backups"]`): the only places
///   the audit log snapshots into and the store pushes mirrors to (TRUST.md); `mirror_remotes`
///   (array of URLs, empty): network remotes the store may push to.
/// - `max_connections_per_uid` (integer 1…100000, 64), `max_calls_per_instance` (integer
///   1…4096, 32), `handshake_deadline_s` (integer 1…300, 5), `idle_timeout_s` (integer
///   1…86400, 900): the gateway's bounds (TRUST.md, rule 6).
/// - `instances_group` (string, `choros-instances`): when that group exists, `gateway.sock`
///   and the directories above it belong to it, so instances under their own uids reach it.
/// - `max_frame_bytes` (integer 1 KiB…1 GiB, 16 MiB); `op_freshness_s` (integer 1…86400, 300).
/// - `log_level` (`trace` | `debug` | `info` | `notice` | `warning` | `error` | `critical`, `info`);
///   `log_format` (`text` | `json`, `text`: JSON lines with timestamp, level, daemon, message and
///   metadata); `log_max_mb` (integer 1…65536, 64) and `log_keep` (integer 0…100, 5): `choros up`
///   moves a daemon's log to `NAME.log.1` … `NAME.log.<keep>` once it passes that size.
/// - `http_enabled` (boolean, false): `choros up` runs `choros-http`, the HTTP door (HTTP.md);
///   `http_listen` (`HOST:PORT`, `127.0.0.1:8765`; loopback or tailnet unless `http_bind_any`;
///   port 0 picks one, written to `<run_dir>/http.address`); `http_bind_any` (boolean, false):
///   lets `http_listen` name any address, and then TLS (`http_tls_cert`) is required;
///   `http_public_url` (`https://HOST[:PORT]`, empty): the door's public origin; set, it opens
///   the OAuth door (discovery documents and client registration) and its host is answered; `auth_db` (`<data_dir>/auth.sqlite`: hashed bearer tokens and
///   sessions); `http_max_sessions` (integer 1…100000, 256); `http_tls_cert` and `http_tls_key`
///   (PEM files, both or neither, empty): the door then speaks HTTPS itself;
///   `http_allowed_hosts` (array of host names, empty): Host values the door answers besides
///   loopback's, such as a reverse proxy's public name.
/// - `metrics_listen` (`HOST:PORT`, `127.0.0.1:9464`, empty for none): `choros up` serves every
///   daemon's metrics there in Prometheus text format, at `/metrics`.
/// - `cockpit_port` (integer 0…65535, 8788): where `choros-admin cockpit` serves the
///   practitioner's cockpit, on 127.0.0.1 only (0 picks a free port).
package struct ChorosConfiguration: Sendable, Equatable {
    package enum EmbedBackend: String, Sendable, CaseIterable {
        case none
        case hashed
        case openAICompatible = "openai-compatible"
    }

    package var configurationFile: String?
    package var dataDirectory: String
    package var gitDirectory: String
    package var auditDatabase: String
    package var indexDatabase: String
    package var runDirectory: String
    package var keysDirectory: String
    package var deploymentName: String
    package var approvers: [String]
    package var canonRef: String
    package var seqOrigin: Int
    package var committerName: String
    package var committerEmail: String
    package var embedBackend: EmbedBackend
    package var embedURL: String
    package var embedModel: String
    package var embedDimension: Int
    package var embedDocumentPrefix: String
    package var embedQueryPrefix: String
    package var searchScoreFloor: Double
    package var airlockSecretPath: String
    package var airlockFloorSeconds: Int
    package var airlockCeilingSeconds: Int
    package var practitionerUID: UInt32
    package var serviceUID: UInt32
    package var instancesGroup: String
    package var backupDirectories: [String]
    package var maximumConnectionsPerUID: Int
    package var maximumCallsPerInstance: Int
    package var handshakeDeadlineSeconds: Int
    package var idleTimeoutSeconds: Int
    package var mirrorRemotes: [String]
    package var maximumFrameBytes: Int
    package var opFreshnessSeconds: Int
    package var logLevel: String
    package var logFormat: LogFormat
    package var logMaximumMegabytes: Int
    package var logKeep: Int
    package var httpEnabled: Bool
    package var httpListen: String
    package var authDatabase: String
    package var httpMaximumSessions: Int
    package var httpAllowedHosts: [String]
    package var httpBindAny: Bool
    /// The door's public origin, without a trailing slash; empty in loopback mode.
    package var httpPublicURL: String
    package var httpTLSCertificate: String
    package var httpTLSKey: String

    /// `HOST:PORT` where `choros up` serves every daemon's metrics, or empty for none.
    package var metricsListen: String
    /// The cockpit's port on 127.0.0.1.
    package var cockpitPort: Int

    /// `metrics_listen` split; nil when empty or malformed. `[::1]:9464` for IPv6.
    package var metricsAddress: (host: String, port: Int)? {
        Self.hostAndPort(self.metricsListen, ports: 1...65_535)
    }

    private static func hostAndPort(_ text: String, ports: ClosedRange<Int>) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[colon...].dropFirst()), ports.contains(port) else { return nil }
        return (host, port)
    }

    /// `http_listen` split; nil when malformed. Port 0 means any free port.
    package var httpAddress: (host: String, port: Int)? {
        Self.hostAndPort(self.httpListen, ports: 0...65_535)
    }

    package static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The lowercased host of `http_public_url`; nil when it is empty or not a bare origin.
    package var httpPublicHost: String? {
        guard let url = URL(string: self.httpPublicURL), let host = url.host?.lowercased(), !host.isEmpty,
            url.path.isEmpty, url.query == nil, url.fragment == nil, url.user == nil
        else { return nil }
        switch url.scheme?.lowercased() {
        case "https": return host
        case "http": return Self.isLoopback(host) ? host : nil
        default: return nil
        }
    }

    /// Tailscale's ranges: CGNAT 100.64.0.0/10 and its IPv6 ULA fd7a:115c:a1e0::/48. Only peers
    /// the tailnet admits reach such an address, which is why the door may bind it without TLS.
    package static func isTailnet(_ host: String) -> Bool {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        if octets.count == 4 { return octets[0] == 100 && (64...127).contains(octets[1]) }
        return host.lowercased().hasPrefix("fd7a:115c:a1e0:")
    }

    package enum LogFormat: String, Sendable, CaseIterable {
        case text
        case json
    }

    /// The longest socket file name under `run_dir`; paths are checked against it at load.
    package static let longestSocketName = "supervisor.sock"
    /// Unix socket paths must be shorter than this on every platform we run on.
    package static let maximumSocketPathBytes = 104

    /// `<run_dir>/<name>.sock`.
    package func socketPath(for name: String) -> String {
        self.runDirectory + "/" + name + ".sock"
    }
}
