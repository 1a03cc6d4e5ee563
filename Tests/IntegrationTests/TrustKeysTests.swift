import ChorosCore
import ChorosTesting
import ChorosWire
import Foundation
import Testing

/// TRUST.md, rule 3: `instance add --user` gives the key to its holder alone. As that user,
/// `choros-mcp` works end to end; the practitioner's key, `admin.sock` and `choros-admin land`
/// do not. Without `--user`, `choros config check` names single-user mode.
@Suite("Trust: keys live with their holder", .serialized, .timeLimit(.minutes(3)))
struct TrustKeysTests {
    static let interop = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/trust").path

    @Test("a key added --user is that user's alone; as that user choros-mcp works and the practitioner's doors do not")
    func keyWithItsHolder() async throws {
        try await UnprivilegedUser.with { user in
            try await GatewayFixture.with(instances: []) { fixture in
                _ = try await fixture.preparePractitioner()
                let home = fixture.daemons.directory
                #expect(chmod(home.path, 0o711) == 0)
                let added = try await fixture.admin(["instance", "add", "lintel", "--user", user.name, "--json"])
                #expect(added.status == 0, "\(added.error)")
                let object = try JSONSerialization.jsonObject(with: Data(added.output.utf8)) as? [String: Any] ?? [:]
                let keyFile = try #require(object["key_file"] as? String)
                let uid = try user.uid
                var info = stat()
                #expect(stat(keyFile, &info) == 0 && info.st_uid == uid && info.st_mode & 0o777 == 0o600)
                #expect(stat((keyFile as NSString).deletingLastPathComponent, &info) == 0)
                #expect(info.st_uid == uid && info.st_mode & 0o777 == 0o700, "the key's directory is the user's")
                let groups = try await ChildProcess.run("/usr/bin/id", ["-Gn", user.name], outputDirectory: home.path)
                #expect(
                    groups.output.split(separator: " ").map(String.init).contains {
                        $0.hasPrefix(UnprivilegedUser.instancesGroup)
                    }
                )

                // The user's own copies of the programs: the build folder may sit where it cannot look.
                for program in ["choros-mcp", "choros-admin"] {
                    try FileManager.default.copyItem(
                        atPath: ChildProcess.binDirectory + "/" + program,
                        toPath: home.appending(program)
                    )
                }
                for file in ["peer_probe.py"] {
                    try FileManager.default.copyItem(atPath: Self.interop + "/" + file, toPath: home.appending(file))
                }
                let messages = [
                    #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
                    #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
                    #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}}"#,
                ]
                let input = messages.map { "'\($0)'" }.joined(separator: " ")
                let mcp = try await user.run(
                    "/bin/sh",
                    [
                        "-c",
                        "(printf '%s\\n' \(input); sleep 4) | \(home.appending("choros-mcp")) --key \(keyFile) --socket \(fixture.socketPath)",
                    ]
                )
                let answer = mcp.output.split(separator: "\n").first { $0.contains("\"id\":2") } ?? ""
                #expect(
                    answer.contains("lintel") && !answer.contains("\"isError\":true"),
                    "choros-mcp as its user: \(mcp.output) \(mcp.error)"
                )

                let read = try await user.run("/bin/cat", [fixture.keysDirectory + "/practitioner.key"])
                #expect(read.status != 0 && read.error.contains("Permission denied"), "practitioner.key: \(read)")
                let probe = try await user.run(
                    "/usr/bin/python3",
                    [home.appending("peer_probe.py"), fixture.adminSocket]
                )
                #expect(
                    probe.output.contains("\"connected\": false") || probe.output.contains("\"code\": 7"),
                    "admin.sock: \(probe.output)"
                )
                try await fixture.rawProposal("p1", ["notes/x.md": "x", "meta/log/1.md": GatewayFixture.logEntry("1")])
                let land = try await user.run(
                    home.appending("choros-admin"),
                    ["land", "p1", "--config", fixture.daemons.configurationPath]
                )
                #expect(land.status != 0, "choros-admin land as the instance's user: \(land.output)")
                #expect(try await fixture.stateTags().isEmpty, "nothing landed")

                // Without --user the key stays with the practitioner, and config check says what that means.
                #expect(try await fixture.admin(["instance", "add", "shared"]).status == 0)
                let check = try await ChildProcess.run(
                    "choros",
                    ["config", "check", "--config", fixture.daemons.configurationPath],
                    outputDirectory: home.path
                )
                #expect(check.status == 0)
                #expect(check.error.contains("warning: single-user mode"), "\(check.error)")
            }
        }
    }
}
