import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import Testing

/// Each daemon run alone, as docker-compose and systemd run them.
@Suite("Daemons run alone", .timeLimit(.minutes(2)))
struct DaemonProcessTests {
    @Test(
        "each daemon serves Health with --config and exits 0 on SIGTERM, removing its socket",
        arguments: ["store", "audit", "index", "airlock", "gateway"]
    )
    func runsAlone(_ name: String) async throws {
        try await withTemporaryDirectory { directory in
            let configuration = directory.appending("choros.toml")
            try "data_dir = \"\(directory.path)/data\"\n".write(
                toFile: configuration,
                atomically: true,
                encoding: .utf8
            )
            let daemon = try ChildProcess(
                "choros-\(name)",
                ["--config", configuration],
                outputDirectory: directory.path
            )
            defer { daemon.signal(SIGKILL) }
            let socket = directory.path + "/data/run/\(name).sock"
            let client = WireClient(socketPath: socket)
            let health = try await client.call(HealthRPC.check, .init(), options: CallOptions(timeout: .seconds(20)))
            #expect(health.service == "choros-\(name)")
            #expect(health.status == .serving)
            #expect(health.pid == daemon.pid)
            var info = stat()
            // Instances reach the gateway alone (TRUST.md); the others are the service user's.
            let mode: mode_t = name == "gateway" ? 0o660 : 0o600
            #expect(
                lstat(socket, &info) == 0 && info.st_mode & 0o777 == mode,
                "\(name).sock's mode must be 0\(String(mode, radix: 8))"
            )
            await client.close()

            daemon.signal(SIGTERM)
            #expect(try await daemon.waitForExit() == 0, "\(daemon.errorOutput)")
            #expect(!FileManager.default.fileExists(atPath: socket))
        }
    }

    @Test("a second copy on the same data directory exits at once naming the holder's pid")
    func secondCopyRefused() async throws {
        try await withTemporaryDirectory { directory in
            let first = try ChildProcess(
                "choros-store",
                ["--data-dir", directory.path],
                outputDirectory: directory.path
            )
            defer { first.signal(SIGKILL) }
            let client = WireClient(socketPath: directory.path + "/run/store.sock")
            _ = try await client.call(HealthRPC.check, .init(), options: CallOptions(timeout: .seconds(20)))
            await client.close()

            let second = try await ChildProcess.run(
                "choros-store",
                ["--data-dir", directory.path],
                outputDirectory: directory.path
            )
            #expect(second.status == 1)
            #expect(second.error.contains("held by pid \(first.pid)"), "\(second.error)")
            first.signal(SIGTERM)
            #expect(try await first.waitForExit() == 0)
        }
    }

    @Test("a bad configuration exits 78 naming every bad key")
    func badConfiguration() async throws {
        try await withTemporaryDirectory { directory in
            try "airlock_floor_s = 10\ncolour = \"blue\"\n"
                .write(toFile: directory.appending("choros.toml"), atomically: true, encoding: .utf8)
            let result = try await ChildProcess.run(
                "choros-audit",
                ["--data-dir", directory.path],
                outputDirectory: directory.path
            )
            #expect(result.status == 78)
            #expect(result.error.contains("airlock_floor_s"))
            #expect(result.error.contains("colour: is not a configuration key"))
            let check = try await ChildProcess.run(
                "choros",
                ["config", "check", "--data-dir", directory.path],
                outputDirectory: directory.path
            )
            #expect(check.status == 78)
            #expect(check.error.contains("colour"))
        }
    }

    @Test("choros config check prints the resolved configuration")
    func configCheck() async throws {
        try await withTemporaryDirectory { directory in
            try "deployment_name = \"lab\"\n".write(
                toFile: directory.appending("choros.toml"),
                atomically: true,
                encoding: .utf8
            )
            let result = try await ChildProcess.run(
                "choros",
                ["config", "check", "--json", "--data-dir", directory.path],
                outputDirectory: directory.path
            )
            #expect(result.status == 0, "\(result.error)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
            #expect(json["deployment_name"] as? String == "lab")
            #expect(json["run_dir"] as? String == directory.path + "/run")
            #expect(json["airlock_floor_s"] as? Int == 120)
        }
    }
}
