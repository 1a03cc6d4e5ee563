internal import ChorosClients
import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@testable import ChorosAudit

/// Real daemons (`choros-store` and, by default, `choros-audit`) on one fresh data directory.
final class DaemonFixture: Sendable {
    let directory: TemporaryDirectory
    let configurationPath: String
    let databasePath: String
    let clients: [String: WireClient]
    let daemons: Shared<[String: ChildProcess]>
    /// Signs what tests write straight to the store, as the daemons would.
    let signer: StoreSigner

    var audit: WireClient { self.client("audit") }
    var store: WireClient { self.client("store") }
    var index: WireClient { self.client("index") }

    /// `enrollSystem`: enroll the audit daemon's system key (the registry's first entries, the
    /// practitioner's and the system's), as `choros-admin init` would; off for a test of init.
    init(
        daemons names: [String] = ["store", "audit"],
        extraConfiguration: String = "",
        enrollSystem: Bool = true
    ) async throws {
        self.directory = try TemporaryDirectory()
        self.configurationPath = self.directory.appending("choros.toml")
        self.databasePath = self.directory.path + "/data/audit.sqlite"
        try
            "data_dir = \"\(self.directory.path)/data\"\nbackup_dirs = [\"\(self.directory.path)\"]\n\(extraConfiguration)\n"
            .write(
                toFile: self.configurationPath,
                atomically: true,
                encoding: .utf8
            )
        let run = self.directory.path + "/data/run/"
        self.clients = Dictionary(uniqueKeysWithValues: names.map { ($0, WireClient(socketPath: run + $0 + ".sock")) })
        self.daemons = Shared([:])
        self.signer = StoreSigner(
            store: WireClient(socketPath: run + "store.sock"),
            deploymentFile: self.directory.path + "/data/keys/deployment.id"
        )
        for name in names { try await self.start(name) }
        // The audit daemon creates the system key; its anchors are system-signed writes.
        if enrollSystem && names.contains("store") && names.contains("audit") {
            let system = try SigningKey.load(from: self.directory.path + "/data/keys/system.key")
            try await self.signer.enroll("system", key: system)
        }
    }

    /// Typed clients of the daemons, as a composition root builds them (one not started is
    /// simply unreachable).
    var typed: DaemonClients {
        DaemonClients { name in self.clients[name]?.socketPath ?? self.directory.path + "/data/run/\(name).sock" }
    }

    /// The client of a daemon this fixture started (a missing one is a test's own mistake).
    func client(_ name: String) -> WireClient {
        guard let client = self.clients[name] else { preconditionFailure("the fixture did not start choros-\(name)") }
        return client
    }

    func start(_ name: String, environment: [String: String] = [:]) async throws {
        let process = try ChildProcess(
            "choros-\(name)",
            ["--config", self.configurationPath],
            outputDirectory: self.directory.path,
            environment: environment
        )
        self.daemons.mutate { $0[name] = process }
        _ = try await self.client(name).call(HealthRPC.check, .init(), options: CallOptions(timeout: .seconds(20)))
    }

    func stop(_ name: String, signal: Int32 = SIGTERM) async throws {
        guard let process = self.daemons.value[name] else { return }
        process.signal(signal)
        _ = try await process.waitForExit(timeout: .seconds(20))
        self.daemons.mutate { $0[name] = nil }
    }

    static func with<Result>(
        daemons: [String] = ["store", "audit"],
        extraConfiguration: String = "",
        enrollSystem: Bool = true,
        _ body: (DaemonFixture) async throws -> Result
    ) async throws -> Result {
        try await TestSlots.shared {
            let fixture = try await DaemonFixture(
                daemons: daemons,
                extraConfiguration: extraConfiguration,
                enrollSystem: enrollSystem
            )
            do {
                let result = try await body(fixture)
                await fixture.tearDown()
                return result
            } catch {
                await fixture.tearDown()
                throw error
            }
        }
    }

    func tearDown() async {
        for name in self.daemons.value.keys.sorted(by: >) { try? await self.stop(name) }
        for client in self.clients.values { await client.close() }
        await self.signer.store.close()
        self.directory.remove()
    }

    @discardableResult
    func append(_ events: [Choros_V1_AuditEventInput]) async throws -> [Choros_V1_AuditEvent] {
        try await self.audit.call(
            AuditRPC.append,
            .with { $0.events = events },
            options: CallOptions(timeout: .seconds(30))
        ).events
    }

    func verify(checkEnvelopes: Bool = false) async throws -> Choros_V1_VerifyResponse {
        try await self.audit.call(
            AuditRPC.verify,
            .with { $0.checkEnvelopes = checkEnvelopes },
            options: CallOptions(timeout: .seconds(60))
        )
    }

    /// Commits `files` on top of `ref`'s tip (creating the ref when it is new) as `author`.
    func commit(_ ref: String, _ files: [String: String], author: String, opID: String = "") async throws {
        let parent = (try? await self.store.call(StoreRPC.resolve, .with { $0.ref = ref }).oid) ?? ""
        var request = Choros_V1_CommitRequest()
        request.opID = opID
        request.ref = ref
        request.author = author
        request.expectedParent = parent
        request.changes = files.sorted { $0.key < $1.key }.map { path, text in
            .with {
                $0.path = path
                $0.content = Data(text.utf8)
            }
        }
        try await self.signer.sign(&request)
        _ = try await self.store.call(StoreRPC.commit, request)
    }

    /// Commits `files` to `author`'s perspective, then has the index upsert those paths.
    func commitAndIndex(author: String, _ files: [String: String]) async throws {
        let ref = "refs/cap/perspectives/\(author)"
        try await self.commit(ref, files, author: author)
        _ = try await self.index.call(
            IndexRPC.upsert,
            .with {
                $0.targets = files.keys.sorted().map { path in
                    .with {
                        $0.ref = ref
                        $0.path = path
                    }
                }
            },
            options: CallOptions(timeout: .seconds(30))
        )
    }

    /// Runs SQL on the audit database (or `database`) with the sqlite3 CLI: an out-of-band
    /// edit, as an attacker would.
    func sqlite(_ sql: String, database: String? = nil) async throws {
        let result = try await ChildProcess.run(
            "/usr/bin/sqlite3",
            [database ?? self.databasePath, sql],
            outputDirectory: self.directory.path
        )
        #expect(result.status == 0, "sqlite3: \(result.error)")
    }
}

func event(
    _ actor: String,
    _ op: String,
    path: String = "",
    ref: String = "",
    opID: String = "",
    key: String = ""
) -> Choros_V1_AuditEventInput {
    .with {
        $0.actor = actor
        $0.op = op
        $0.targetPath = path
        $0.targetRef = ref
        $0.opID = opID
        $0.requestKey = key
        $0.outcome = "ok"
    }
}
