import ChorosTesting
import Foundation
import Testing

/// Issue 21, item 6: what an operator expects of every command line.
@Suite("Command lines")
struct CommandLineTests {
    static let executables = [
        "choros", "choros-store", "choros-audit", "choros-index", "choros-airlock", "choros-gateway", "choros-admin",
        "choros-mcp", "choros-bench",
    ]

    @Test("every executable answers --version with the same git describe of its build")
    func versions() async throws {
        try await withTemporaryDirectory { directory in
            var versions: Set<String> = []
            for name in Self.executables {
                let result = try await ChildProcess.run(name, ["--version"], outputDirectory: directory.path)
                #expect(result.status == 0, "\(name) --version: \(result.error)")
                versions.insert(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            #expect(versions.count == 1, "\(versions)")
            let version = try #require(versions.first)
            // `git describe --always`: a tag, or an abbreviated commit id, maybe "-dirty".
            #expect(
                version.range(of: #"^[0-9A-Za-z._-]*[0-9a-f]{7,}(-dirty)?$|^v?[0-9]"#, options: .regularExpression)
                    != nil,
                "\(version)"
            )
        }
    }

    @Test("choros logs prints the last lines of a large log, and refuses --json by name")
    func logs() async throws {
        try await withTemporaryDirectory { directory in
            let data = directory.appending("d")
            try FileManager.default.createDirectory(atPath: data + "/logs", withIntermediateDirectories: true)
            // Past one 64 KiB read, so the backwards reader joins chunks.
            let lines = (1...20_000).map { "line \($0) of the store's log" }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(
                to: URL(fileURLWithPath: data + "/logs/store.log")
            )
            for count in [0, 1, 3, 5_000, 30_000] {
                let result = try await ChildProcess.run(
                    "choros",
                    ["logs", "store", "--data-dir", data, "--lines", String(count)],
                    outputDirectory: directory.path
                )
                #expect(result.status == 0, "\(result.error)")
                let expected = lines.suffix(count)
                #expect(
                    result.output == (expected.isEmpty ? "" : expected.joined(separator: "\n") + "\n"),
                    "--lines \(count)"
                )
            }
            let json = try await ChildProcess.run(
                "choros",
                ["logs", "store", "--data-dir", data, "--json"],
                outputDirectory: directory.path
            )
            #expect(json.status == 2 && json.error.contains("--json"), "usage: \(json.error)")
            let bare = try await ChildProcess.run("choros", ["verify-bundle"], outputDirectory: directory.path)
            #expect(bare.status == 2, "verify-bundle without a file is a usage error: \(bare.error)")
        }
    }
}
