import ChorosCore
import ChorosTesting
import Foundation
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    private func load(_ toml: String, environment: [String: String] = [:]) throws -> ChorosConfiguration {
        var source = try ConfigurationSource(toml: toml, origin: "choros.toml")
        source.overlay(environment: environment)
        return try ChorosConfiguration(source: source, baseDirectory: "/srv/choros")
    }

    private func issues(_ toml: String, environment: [String: String] = [:]) -> [ConfigurationIssue] {
        do {
            _ = try self.load(toml, environment: environment)
            return []
        } catch let error as ConfigurationError {
            return error.issues
        } catch {
            Issue.record("unexpected error: \(error)")
            return []
        }
    }

    @Test("defaults live inside data_dir, resolved against the config file's directory")
    func defaults() throws {
        let configuration = try self.load("")
        #expect(configuration.dataDirectory == "/srv/choros/choros-data")
        #expect(configuration.gitDirectory == "/srv/choros/choros-data/git")
        #expect(configuration.runDirectory == "/srv/choros/choros-data/run")
        #expect(configuration.airlockSecretPath == "/srv/choros/choros-data/keys/airlock.totp")
        #expect(configuration.approvers == ["practitioner"])
        #expect(configuration.airlockFloorSeconds == 120)
        #expect(configuration.airlockCeilingSeconds == 7200)
        #expect(configuration.maximumFrameBytes == 16 << 20)
        #expect(configuration.embedBackend == .none)
        #expect(configuration.socketPath(for: "store") == "/srv/choros/choros-data/run/store.sock")
    }

    @Test("CHOROS_* variables override the file, typed like TOML values")
    func environmentOverrides() throws {
        let configuration = try self.load(
            "airlock_floor_s = 200\ndeployment_name = \"file\"",
            environment: [
                "CHOROS_AIRLOCK_FLOOR_S": "300",
                "CHOROS_DEPLOYMENT_NAME": "true",
                "CHOROS_APPROVERS": "alice, bob",
                "CHOROS_DATA_DIR": "/var/lib/choros",
                "CHOROS_SEQ_ORIGIN": "0x3b",
            ]
        )
        #expect(configuration.airlockFloorSeconds == 300)
        #expect(configuration.deploymentName == "true")
        #expect(configuration.approvers == ["alice", "bob"])
        #expect(configuration.dataDirectory == "/var/lib/choros")
        #expect(configuration.seqOrigin == 0x3b)
    }

    static let badKeys: [(toml: String, key: String, mentions: String)] = [
        ("colour = \"blue\"", "colour", "not a configuration key"),
        ("airlock_floor_s = \"soon\"", "airlock_floor_s", "must be an integer, got a string"),
        ("approvers = \"alice\"", "approvers", "must be an array of strings"),
        ("approvers = [\"alice\", 3]", "approvers", "found an integer"),
        ("approvers = []", "approvers", "at least one"),
        ("embed_backend = \"openai-compatible\"", "embed_url", "is required"),
        ("embed_backend = \"magic\"", "embed_backend", "must be one of"),
        ("embed_url = \"ftp://x\"", "embed_url", "http"),
        ("embed_dim = 0", "embed_dim", "between 1 and 8192"),
        ("airlock_floor_s = 60", "airlock_floor_s", "between 90"),
        ("airlock_floor_s = 300\nairlock_ceiling_s = 300", "airlock_ceiling_s", "greater than airlock_floor_s"),
        ("seq_origin = \"0xzz\"", "seq_origin", "hex string"),
        ("seq_origin = -1", "seq_origin", "non-negative"),
        ("max_frame_bytes = 10", "max_frame_bytes", "between 1024"),
        ("op_freshness_s = 0", "op_freshness_s", "between 1"),
        ("practitioner_uid = -5", "practitioner_uid", "between 0"),
        ("log_level = \"loud\"", "log_level", "must be one of"),
        ("canon_ref = \"main\"", "canon_ref", "refs/heads/"),
        ("search_score_floor = 2.5", "search_score_floor", "between 0"),
        ("deployment_name = \"\"", "deployment_name", "must not be empty"),
        ("run_dir = \"/tmp/\(String(repeating: "x", count: 100))\"", "run_dir", "too long for Unix sockets"),
        ("data_dir = 5", "data_dir", "must be a string, got an integer"),
        ("http_enabled = \"yes\"", "http_enabled", "must be a boolean"),
        ("http_listen = \"0.0.0.0:8765\"", "http_listen", "loopback"),
        ("http_listen = \"[2001:db8::1]:8765\"", "http_listen", "loopback"),
        ("http_listen = \"100.128.0.1:8765\"", "http_listen", "tailnet"),
        ("http_listen = \"0.0.0.0:8765\"\nhttp_bind_any = true", "http_bind_any", "without TLS"),
        ("http_listen = \"localhost\"", "http_listen", "HOST:PORT"),
        ("http_max_sessions = 0", "http_max_sessions", "between 1"),
        ("http_public_url = \"http://choros.example\"", "http_public_url", "https://HOST"),
        ("http_public_url = \"https://choros.example/mcp\"", "http_public_url", "no path"),
    ]

    @Test("the HTTP door is off by default and listens on loopback; port 0 and [::1] are taken")
    func httpKeys() throws {
        let defaults = try self.load("")
        #expect(!defaults.httpEnabled && defaults.httpListen == "127.0.0.1:8765")
        #expect(defaults.authDatabase == "/srv/choros/choros-data/auth.sqlite")
        let v6 = try self.load("http_enabled = true\nhttp_listen = \"[::1]:0\"")
        #expect(v6.httpEnabled && v6.httpAddress?.host == "::1" && v6.httpAddress?.port == 0)
        #expect(try self.load("", environment: ["CHOROS_HTTP_ENABLED": "true"]).httpEnabled)
    }

    @Test("a tailnet address may be bound as is; any other only with http_bind_any and TLS")
    func httpBindRules() throws {
        #expect(try self.load("http_listen = \"100.64.0.7:8765\"").httpAddress?.host == "100.64.0.7")
        #expect(try self.load("http_listen = \"100.127.255.1:8765\"").httpAddress?.host == "100.127.255.1")
        #expect(try self.load("http_listen = \"[fd7a:115c:a1e0::3]:8765\"").httpAddress?.host == "fd7a:115c:a1e0::3")
        let exposed = try self.load(
            "http_listen = \"0.0.0.0:443\"\nhttp_bind_any = true\nhttp_tls_cert = \"c.pem\"\nhttp_tls_key = \"k.pem\""
        )
        #expect(exposed.httpBindAny && exposed.httpAddress?.host == "0.0.0.0")
    }

    @Test("each bad key gets its own message naming the key", arguments: Self.badKeys.indices)
    func badKey(_ index: Int) throws {
        let (toml, key, mentions) = Self.badKeys[index]
        let issues = self.issues(toml)
        #expect(issues.count == 1, "\(issues)")
        let issue = try #require(issues.first)
        #expect(issue.key == key)
        #expect(issue.problem.contains(mentions), "\(issue)")
        #expect(issue.description.contains(key))
    }

    @Test("several bad keys are all reported at once")
    func severalBadKeys() {
        let issues = self.issues("colour = 1\nairlock_floor_s = 10\nlog_level = \"x\"")
        #expect(Set(issues.map(\.key)) == ["colour", "airlock_floor_s", "log_level"])
    }

    @Test("a bad environment value names the variable")
    func badEnvironmentValue() {
        let issues = self.issues("", environment: ["CHOROS_AIRLOCK_FLOOR_S": "soon", "CHOROS_COLOUR": "x"])
        #expect(issues.map(\.origin).sorted() == ["CHOROS_AIRLOCK_FLOOR_S", "CHOROS_COLOUR"])
    }

    @Test("log_format, log_max_mb and log_keep: defaults, and bad values named")
    func logKeys() throws {
        let defaults = try self.load("")
        #expect(defaults.logFormat == .text && defaults.logMaximumMegabytes == 64 && defaults.logKeep == 5)
        let json = try self.load("log_format = \"json\"\nlog_max_mb = 1\nlog_keep = 0")
        #expect(json.logFormat == .json && json.logMaximumMegabytes == 1 && json.logKeep == 0)
        let issues = self.issues("log_format = \"xml\"\nlog_max_mb = 0\nlog_keep = -1")
        #expect(issues.map(\.key).sorted() == ["log_format", "log_keep", "log_max_mb"])
        #expect(issues.first { $0.key == "log_format" }?.problem.contains("\"json\"") == true)
    }

    @Test("TOML syntax errors name the line")
    func syntaxError() {
        #expect(throws: ConfigurationError.self) { try self.load("a = = 1") }
        let issues = self.issues("deployment_name = \"ok\"\nbroken here")
        #expect(issues.first?.problem.contains("line 2") == true)
    }

    /// toml++ (before choros.toml had its own reader) aborted or read out of bounds on these;
    /// each must be a named error. The first and the seventh are the config fuzz target's findings.
    @Test(
        "a table header, malformed or not, is refused by line",
        arguments: [
            "pr_uid = -1\nunknown_key = \"= broxken\"\n[[\n[", "[", "a = 1\n\n[[ \r\n", "  [#x]", "[=]", "[ {a = 1}]",
            "[[[ \n \n=[", "[ [a]]", "[server]\nport = 1",
        ]
    )
    func namelessHeader(text: String) {
        let issues = self.issues(text)
        #expect(issues.count == 1)
        #expect(issues.first?.problem.contains("a table header") == true)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("[") }! + 1
        #expect(issues.first?.problem.contains("line \(line):") == true)
    }

    @Test("an environment value that would be a nameless header is taken as text")
    func namelessHeaderInEnvironment() throws {
        let configuration = try self.load("", environment: ["CHOROS_DEPLOYMENT_NAME": "x\n["])
        #expect(configuration.deploymentName == "x\n[")
    }

    @Test("a relative --data-dir is the working directory's, even when it holds a choros.toml")
    func relativeDataDirectory() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory.appending("d"), withIntermediateDirectories: true)
            try "deployment_name = \"lab\"\n".write(
                toFile: directory.appending("d/choros.toml"),
                atomically: true,
                encoding: .utf8
            )
            // The same directory, spelled relative to the working directory (left unchanged:
            // tests run in parallel in one process).
            let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
            let relative = String(repeating: "../", count: depth) + directory.appending("d").dropFirst()
            let configuration = try ChorosConfiguration.load(dataDirectory: relative, environment: [:])
            #expect(configuration.dataDirectory == directory.appending("d"))
            #expect(configuration.runDirectory == directory.appending("d/run"))
            #expect(configuration.deploymentName == "lab")
        }
    }

    @Test("--data-dir reads its choros.toml and wins over data_dir in it")
    func dataDirectoryFlag() async throws {
        try await withTemporaryDirectory { directory in
            try "data_dir = \"/elsewhere\"\ndeployment_name = \"lab\"\n"
                .write(toFile: directory.appending("choros.toml"), atomically: true, encoding: .utf8)
            let configuration = try ChorosConfiguration.load(dataDirectory: directory.path, environment: [:])
            #expect(configuration.dataDirectory == directory.path)
            #expect(configuration.deploymentName == "lab")
            #expect(configuration.configurationFile == directory.appending("choros.toml"))
        }
    }
}
