import ChorosTesting
import Foundation
import Testing

/// Issue 21: systemd units for a data dir, hardened, that `systemd-analyze verify` accepts.
@Suite("systemd units")
struct SystemdUnitsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let units =
        ["choros.target"]
        + ["store", "audit", "index", "airlock", "gateway", "init"].map {
            "choros-\($0).service"
        }

    private func install(_ arguments: [String], in directory: String) async throws -> [String: String] {
        let result = try await ChildProcess.run(
            "choros-admin",
            ["install-systemd", "--output", directory] + arguments,
            outputDirectory: directory
        )
        #expect(result.status == 0, "\(result.error)")
        var files: [String: String] = [:]
        for name in Self.units {
            files[name] = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        }
        return files
    }

    @Test("install-systemd writes a hardened unit per daemon that systemd-analyze verify accepts")
    func verified() async throws {
        try await withTemporaryDirectory { directory in
            let data = directory.appending("data")
            let files = try await self.install(
                ["--data-dir", data, "--bin-dir", ChildProcess.binDirectory, "--user", "choros-test"],
                in: directory.path
            )
            for name in Self.units where name.hasSuffix(".service") {
                let unit = try #require(files[name])
                for line in [
                    "User=choros-test", "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes",
                    "ReadWritePaths=\(data)", "RuntimeDirectory=choros", "RuntimeDirectoryPreserve=yes",
                    "PartOf=choros.target",
                ] {
                    #expect(unit.contains("\n\(line)\n"), "\(name) lacks \(line)")
                }
            }
            #expect(files["choros-gateway.service"]?.contains("RestartPreventExitStatus=78") == true)
            #expect(
                files["choros-gateway.service"]?.contains("After=choros-airlock.service choros-init.service") == true
            )
            #expect(
                files["choros-init.service"]?.contains("ExecStart=\(ChildProcess.binDirectory)/choros-admin init")
                    == true
            )

            let verify = try await ChildProcess.run(
                "/usr/bin/systemd-analyze",
                ["verify"] + Self.units.map { directory.appending($0) },
                outputDirectory: directory.path
            )
            #expect(verify.status == 0, "\(verify.output)\(verify.error)")
            #expect(verify.error.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "warnings: \(verify.error)")
        }
    }

    @Test("deploy/systemd holds exactly what install-systemd writes by default (regenerate it with the command)")
    func committedUnitsMatch() async throws {
        try await withTemporaryDirectory { directory in
            let files = try await self.install([], in: directory.path)
            for name in Self.units {
                let committed = try? String(contentsOfFile: Self.root + "/deploy/systemd/" + name, encoding: .utf8)
                #expect(committed == files[name], "deploy/systemd/\(name) differs from `choros-admin install-systemd`")
            }
        }
    }

    @Test("paths and user names that would break a unit file are refused")
    func badArguments() async throws {
        try await withTemporaryDirectory { directory in
            for arguments in [["--data-dir", "relative/data"], ["--data-dir", "/srv/my data"], ["--user", "a b"]] {
                let result = try await ChildProcess.run(
                    "choros-admin",
                    ["install-systemd", "--output", directory.path] + arguments,
                    outputDirectory: directory.path
                )
                #expect(result.status == 2, "\(arguments): \(result.error)")
            }
        }
    }
}
