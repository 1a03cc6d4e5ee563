import ChorosTesting
import Foundation
import Testing

/// totp-provision and totp-check, checked against pyotp, an independent implementation.
@Suite("choros-admin totp-provision and totp-check", .timeLimit(.minutes(1)))
struct TOTPCommandTests {
    private func python(_ code: String, in directory: TemporaryDirectory) async throws -> String {
        let result = try await ChildProcess.run(
            "/usr/bin/env",
            ["python3", "-c", code],
            outputDirectory: directory.path
        )
        #expect(result.status == 0, "python: \(result.error) (pip install pyotp?)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("pyotp's codes are accepted now, skew is reported, and a foreign secret misses")
    func provisionAndCheck() async throws {
        try await withTemporaryDirectory { directory in
            let flags = ["--data-dir", directory.path]
            let provision = try await ChildProcess.run(
                "choros-admin",
                ["totp-provision"] + flags,
                outputDirectory: directory.path
            )
            #expect(provision.status == 0, "\(provision.error)")
            let uri = try #require(provision.output.split(separator: "\n").first { $0.hasPrefix("otpauth://totp/") })
            let again = try await ChildProcess.run(
                "choros-admin",
                ["totp-provision"] + flags,
                outputDirectory: directory.path
            )
            #expect(again.status == 1 && again.error.contains("--force"))

            let now = try await self.python("import pyotp; print(pyotp.parse_uri('\(uri)').now())", in: directory)
            let check = try await ChildProcess.run(
                "choros-admin",
                ["totp-check", now, "--json"] + flags,
                outputDirectory: directory.path
            )
            #expect(check.status == 0 && check.output.contains("\"valid\":true"), "\(check.output)\(check.error)")

            let ahead = try await self.python(
                "import pyotp, time; print(pyotp.parse_uri('\(uri)').at(time.time() + 5 * 30))",
                in: directory
            )
            let skewed = try await ChildProcess.run(
                "choros-admin",
                ["totp-check", ahead] + flags,
                outputDirectory: directory.path
            )
            #expect(skewed.status == 1 && skewed.output.contains("window offset 5"), "\(skewed.output)")

            let foreign = try await self.python(
                "import pyotp; print(pyotp.TOTP(pyotp.random_base32()).now())",
                in: directory
            )
            let miss = try await ChildProcess.run(
                "choros-admin",
                ["totp-check", foreign] + flags,
                outputDirectory: directory.path
            )
            #expect(
                miss.status == 1 && (miss.output.contains("another secret") || miss.output.contains("window offset"))
            )
        }
    }
}
