import ChorosClients
import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

/// Issue 20, item 4: the repository, the audit log and the index on a small tmpfs (the tests
/// run as root in CI, so they can mount one). A full disk and a read-only remount each refuse
/// writes with an error naming the disk, write nothing half-way, leave reads working, and
/// pass once the disk is writable again, with no restart.
@Suite("Full and read-only disks", .serialized, .timeLimit(.minutes(3)))
struct DiskTroubleTests {
    static func mount(_ arguments: [String]) async throws {
        let result = try await ChildProcess.run("/usr/bin/mount", arguments, outputDirectory: "/tmp")
        guard result.status == 0 else {
            throw TestUserError(
                "mount \(arguments.joined(separator: " ")) failed (these tests need root): \(result.error)"
            )
        }
    }

    /// Fills the filesystem holding `path` to its last block.
    static func fill(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw TestUserError("cannot create \(path)") }
        defer { close(descriptor) }
        for size in [1 << 20, 4096, 1] {
            let chunk = [UInt8](repeating: 0, count: size)
            while write(descriptor, chunk, size) == size {}
        }
    }

    @Test(
        "a full disk: writes refused naming it, nothing half-written, reads go on, the same op passes once space is freed"
    )
    func fullThenReadOnly() async throws {
        let mountPoint = try TemporaryDirectory()
        defer { mountPoint.remove() }
        try await Self.mount(["-t", "tmpfs", "-o", "size=24m", "tmpfs", mountPoint.path])
        do {
            try await self.scenario(on: mountPoint.path)
        } catch {
            _ = try? await ChildProcess.run("/usr/bin/umount", ["-l", mountPoint.path], outputDirectory: "/tmp")
            throw error
        }
        _ = try await ChildProcess.run("/usr/bin/umount", ["-l", mountPoint.path], outputDirectory: "/tmp")
    }

    private func scenario(on disk: String) async throws {
        try await Self.deployment(on: disk) { fixture, alice in
            let entry = Self.entry
            try await alice.call("kip_commit", entry("before"))
            let perspective = "refs/cap/perspectives/alice"
            let tip = try await fixture.daemons.typed.store.tip(of: perspective)

            try Self.fill(disk + "/filler")
            let full = await expectRPCError(.resourceExhausted) { try await alice.call("kip_commit", entry("during")) }
            #expect(full?.message.contains("the disk holding \(disk)") == true, "\(String(describing: full))")
            try await self.expectNothingWritten(fixture, key: "during", tip: tip)
            try await self.expectReads(alice)

            try FileManager.default.removeItem(atPath: disk + "/filler")
            let written = try await alice.call("kip_commit", entry("during"))
            #expect(written["path"] as? String == "notes/during.md", "the same op id goes through once space is back")

            let hits = try await alice.call("map_search", ["query": "otters"])["hits"] as? [[String: Any]] ?? []
            #expect(Set(hits.compactMap { $0["path"] as? String }) == ["notes/before.md", "notes/during.md"])
            let verified = try await fixture.daemons.verify(checkEnvelopes: true)
            #expect(verified.ok, "\(verified)")
        }
    }

    /// The read-only disk production meets: ext4 with `errors=remount-ro` that hit an error
    /// (triggered here through its sysfs knob) turns read-only under open files. Writes are
    /// refused naming it, reads go on; after the operator's repair (unmount, e2fsck, mount,
    /// which needs the daemons stopped) the same op goes through.
    @Test(
        "a filesystem the kernel turned read-only: writes refused naming it, reads go on, writes come back after repair"
    )
    func readOnly() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let image = scratch.appending("disk.ext4")
        let disk = scratch.appending("mnt")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        #expect(
            try await ChildProcess.run("/usr/bin/truncate", ["-s", "64M", image], outputDirectory: scratch.path).status
                == 0
        )
        #expect(
            try await ChildProcess.run("/usr/sbin/mkfs.ext4", ["-q", image], outputDirectory: scratch.path).status == 0
        )
        try await Self.mount(["-o", "loop,errors=remount-ro", image, disk])
        do {
            try await self.readOnlyScenario(image: image, disk: disk)
        } catch {
            _ = try? await ChildProcess.run("/usr/bin/umount", ["-l", disk], outputDirectory: "/tmp")
            throw error
        }
        _ = try await ChildProcess.run("/usr/bin/umount", [disk], outputDirectory: "/tmp")
    }

    private func readOnlyScenario(image: String, disk: String) async throws {
        try await Self.deployment(on: disk) { fixture, alice in
            let entry = Self.entry
            try await alice.call("kip_commit", entry("before"))
            let tip = try await fixture.daemons.typed.store.tip(of: "refs/cap/perspectives/alice")
            let source = try await ChildProcess.run(
                "/usr/bin/findmnt",
                ["-n", "-o", "SOURCE", disk],
                outputDirectory: "/tmp"
            )
            let device = (source.output.trimmingCharacters(in: .whitespacesAndNewlines) as NSString).lastPathComponent
            try "choros test".write(
                toFile: "/sys/fs/ext4/\(device)/trigger_fs_error",
                atomically: false,
                encoding: .utf8
            )

            let readOnly = await expectRPCError(.failedPrecondition) {
                try await alice.call("kip_commit", entry("frozen"))
            }
            #expect(readOnly?.message.contains("\(disk)/git is read-only") == true, "\(String(describing: readOnly))")
            try await self.expectNothingWritten(fixture, key: "frozen", tip: tip)
            try await self.expectReads(alice)

            let running = fixture.daemons.daemons.value.keys.sorted()
            for name in running.reversed() { try await fixture.daemons.stop(name) }
            _ = try await ChildProcess.run("/usr/bin/umount", [disk], outputDirectory: "/tmp")
            _ = try await ChildProcess.run("/usr/sbin/e2fsck", ["-fy", image], outputDirectory: "/tmp")
            try await Self.mount(["-o", "loop,errors=remount-ro", image, disk])
            for name in GatewayFixture.allDaemons { try await fixture.daemons.start(name) }
            let written = try await alice.call("kip_commit", entry("frozen"))
            #expect(written["path"] as? String == "notes/frozen.md")
            let verified = try await fixture.daemons.verify(checkEnvelopes: true)
            #expect(verified.ok, "\(verified)")
        }
    }

    /// A deployment whose repository, audit log and index live on `disk`, with alice bound.
    static func deployment(
        on disk: String,
        _ body: (GatewayFixture, InstanceClient) async throws -> Void
    ) async throws {
        let configuration = """
            git_dir = "\(disk)/git"
            audit_db = "\(disk)/audit.sqlite"
            index_db = "\(disk)/index.sqlite"
            """
        try await GatewayFixture.with(instances: ["alice"], extraConfiguration: configuration) { fixture in
            let alice = try await fixture.connect("alice")
            try await body(fixture, alice)
            await alice.close()
        }
    }

    static func entry(_ slug: String) -> [String: JSONValue] {
        ["domain": "notes", "slug": .string(slug), "body": .string("Otters \(slug)."), "op_id": .string(slug)]
    }

    /// The refused write left no commit, no event and no index row.
    private func expectNothingWritten(_ fixture: GatewayFixture, key: String, tip: String?) async throws {
        #expect(try await fixture.daemons.typed.store.tip(of: "refs/cap/perspectives/alice") == tip)
        let events = try await fixture.daemons.audit.call(AuditRPC.find, .with { $0.requestKey = key }).events
        #expect(events.filter { $0.outcome == "ok" }.isEmpty)
    }

    private func expectReads(_ alice: InstanceClient) async throws {
        let read = try await alice.call("kip_get", ["ref": "alice", "path": "notes/before.md"])
        #expect((read["body"] as? String ?? read["content"] as? String ?? "\(read)").contains("Otters before."))
        let hits = try await alice.call("map_search", ["query": "otters"])["hits"] as? [[String: Any]] ?? []
        #expect(hits.contains { $0["path"] as? String == "notes/before.md" })
    }
}
