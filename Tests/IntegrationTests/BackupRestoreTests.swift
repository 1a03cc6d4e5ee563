import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("Backup, restore and mirror", .serialized)
struct BackupRestoreTests {
    private func refs(_ store: WireClient) async throws -> [String: String] {
        let refs = try await store.call(StoreRPC.listRefs, .with { $0.prefix = "refs/" }).refs
        return Dictionary(uniqueKeysWithValues: refs.map { ($0.name, $0.oid) })
    }

    private func hits(_ index: WireClient, _ query: String) async throws -> [String] {
        try await index.call(
            IndexRPC.search,
            .with {
                $0.query = query
                $0.limit = 50
            }
        ).hits.map { "\($0.ref) \($0.path) \($0.author) \($0.isCanon)" }.sorted()
    }

    @Test("backup then restore on a fresh data dir reproduces git, the registry, a verifying audit log and search")
    func backupRestore() async throws {
        try await GatewayFixture.with { fixture in
            try await fixture.preparePractitioner()
            let alice = try await fixture.connect("alice")
            let bob = try await fixture.connect("bob")
            try await alice.call(
                "kip_commit",
                ["domain": "notes", "slug": "otters", "body": "Otters hold hands.", "op_id": "o"]
            )
            try await bob.call(
                "kip_commit",
                ["domain": "notes", "slug": "herons", "body": "Herons wait.", "op_id": "h"]
            )
            try await alice.call(
                "propose",
                ["proposal_id": "p1", "domain": "notes", "slug": "otters", "body": "Otters hold hands.", "op_id": "p"]
            )
            try await alice.call(
                "propose",
                ["proposal_id": "p1", "domain": "meta/log", "slug": "1", "body": "Otters.", "op_id": "l"]
            )
            #expect(try await fixture.admin(["land", "p1"]).status == 0)
            try await bob.call("canon_diff")
            try await bob.call("sup_reconcile", ["body": "Otters landed."])
            try await bob.call(
                "propose",
                ["proposal_id": "open", "domain": "notes", "slug": "x", "body": "x", "op_id": "x"]
            )
            try await alice.call(
                "imp_send",
                ["recipients": ["bob"], "subject": "otters", "body": "See mine.", "op_id": "m"]
            )
            await alice.close()
            await bob.close()

            let secret = try fixture.provisionTOTP()
            let backup = fixture.daemons.directory.path + "/backup"
            let backedUp = try await fixture.admin(["backup", backup, "--json"])
            #expect(backedUp.status == 0, "\(backedUp.error)")
            var info = stat()
            #expect(stat(backup + "/keys/practitioner.key", &info) == 0 && info.st_mode & 0o777 == 0o600)
            #expect(stat(backup + "/keys/airlock.totp", &info) == 0 && info.st_mode & 0o777 == 0o600)
            #expect(try await fixture.admin(["backup", backup]).status == 0, "a backup is repeatable")

            let fresh = fixture.daemons.directory.path + "/new"
            let restored = try await ChildProcess.run(
                "choros-admin",
                ["restore", backup, "--data-dir", fresh, "--json"],
                outputDirectory: fixture.daemons.directory.path,
                timeout: .seconds(180)
            )
            #expect(restored.status == 0, "\(restored.error)")
            let report = try JSONSerialization.jsonObject(with: Data(restored.output.utf8)) as? [String: Any] ?? [:]
            #expect(report["anchor"] as? String == "matches")

            // The restored deployment, run on its own.
            let original = try await self.refs(fixture.daemons.store)
            let originalHits = try await self.hits(fixture.daemons.index, "otters herons")
            var processes: [ChildProcess] = []
            var clients: [String: WireClient] = [:]
            for name in ["store", "audit", "index"] {
                processes.append(try ChildProcess("choros-\(name)", ["--data-dir", fresh], outputDirectory: fresh))
                let client = WireClient(socketPath: fresh + "/run/\(name).sock")
                _ = try await client.call(HealthRPC.check, .init(), options: CallOptions(timeout: .seconds(20)))
                clients[name] = client
            }
            let copy = try await self.refs(clients["store"]!)
            #expect(copy == original, "canon, perspectives, proposals, state tags, registry and anchor")
            #expect(copy.keys.contains("refs/tags/state/1"))
            #expect(copy.keys.contains("refs/cap/registry"))
            let verified = try await clients["audit"]!.call(AuditRPC.verify, .with { $0.checkEnvelopes = true })
            #expect(verified.ok)
            #expect(verified.anchor == .matches)
            #expect(try await self.hits(clients["index"]!, "otters herons") == originalHits)
            #expect(!originalHits.isEmpty)
            #expect(FileManager.default.fileExists(atPath: fresh + "/keys/practitioner.key"))
            let restoredSecret = try TOTPSecret.load(from: fresh + "/keys/airlock.totp")
            #expect(restoredSecret.bytes == secret.secret, "the airlock secret moves with the backup")
            for client in clients.values { await client.close() }
            for process in processes {
                process.signal(SIGTERM)
                _ = try await process.waitForExit()
            }
        }
    }

    @Test("mirror pushes every ref and the audit snapshot, verified, and no secret (git CLI as witness)")
    func mirror() async throws {
        try await GatewayFixture.with { fixture in
            try await fixture.preparePractitioner()
            _ = try fixture.provisionTOTP()
            let alice = try await fixture.connect("alice")
            try await alice.call("kip_commit", ["domain": "notes", "slug": "a", "body": "A.", "op_id": "a"])
            await alice.close()
            let remote = fixture.daemons.directory.path + "/mirror.git"
            let mirrored = try await fixture.admin(["mirror", remote, "--json"])
            #expect(mirrored.status == 0, "\(mirrored.error)")

            let local = try await self.refs(fixture.daemons.store)
            let listing = try await ChildProcess.run(
                "/usr/bin/git",
                ["--git-dir", remote, "for-each-ref", "--format=%(refname) %(objectname)"],
                outputDirectory: fixture.daemons.directory.path
            )
            let remoteRefs = Dictionary(
                uniqueKeysWithValues: listing.output.split(separator: "\n").map { line in
                    let parts = line.split(separator: " ")
                    return (String(parts[0]), String(parts[1]))
                }
            )
            #expect(
                remoteRefs
                    == local.filter {
                        $0.key.hasPrefix("refs/heads/") || $0.key.hasPrefix("refs/cap/")
                            || $0.key.hasPrefix("refs/tags/state/") || $0.key.hasPrefix("refs/backup/")
                    }
            )
            #expect(remoteRefs["refs/backup/audit"] != nil)
            let files = try await ChildProcess.run(
                "/usr/bin/git",
                ["--git-dir", remote, "log", "--all", "--name-only", "--format="],
                outputDirectory: fixture.daemons.directory.path
            )
            let names = files.output.split(separator: "\n").map(String.init)
            #expect(names.contains("audit.sqlite"))
            #expect(!names.contains { $0.hasSuffix(".key") || $0.hasSuffix(".totp") }, "no secret leaves: \(names)")
        }
    }
}
