import ChorosTesting
import Foundation

/// A throwaway Unix user for attacks an instance with a shell could run: created with
/// `useradd` (the tests run as root, as CI does), removed at the end. Its processes run
/// through `setpriv`, with its own uid, gid and supplementary groups.
struct UnprivilegedUser: Sendable {
    let name: String

    /// The group `gateway.sock` belongs to when it exists (TRUST.md).
    static let instancesGroup = "choros-instances"

    static func with<Result>(
        groups: [String] = [],
        _ body: (UnprivilegedUser) async throws -> Result
    ) async throws -> Result {
        guard getuid() == 0 else { throw TestUserError("creating a test user needs root (CI runs as root)") }
        let user = UnprivilegedUser(name: "chp" + UUID().uuidString.prefix(8).lowercased())
        for group in groups { try await Self.system("/usr/sbin/groupadd", ["-f", group]) }
        var arguments = ["-M", "-N", "-s", "/usr/sbin/nologin"]
        if !groups.isEmpty { arguments += ["-G", groups.joined(separator: ",")] }
        try await Self.system("/usr/sbin/useradd", arguments + [user.name])
        do {
            let result = try await body(user)
            try? await Self.system("/usr/sbin/userdel", [user.name])
            return result
        } catch {
            try? await Self.system("/usr/sbin/userdel", [user.name])
            throw error
        }
    }

    /// Runs `executable` as this user; its working directory is `/`.
    func run(
        _ executable: String,
        _ arguments: [String],
        timeout: Duration = .seconds(60)
    ) async throws -> (
        status: Int32, output: String, error: String
    ) {
        guard let entry = getpwnam(self.name) else { throw TestUserError("no user \(self.name)") }
        let (uid, gid) = (entry.pointee.pw_uid, entry.pointee.pw_gid)
        let scratch = try TemporaryDirectory(prefix: "chu")
        defer { scratch.remove() }
        return try await ChildProcess.run(
            "/usr/bin/setpriv",
            ["--reuid=\(uid)", "--regid=\(gid)", "--init-groups", "--", executable] + arguments,
            outputDirectory: scratch.path,
            timeout: timeout
        )
    }

    var uid: UInt32 {
        get throws {
            guard let entry = getpwnam(self.name) else { throw TestUserError("no user \(self.name)") }
            return entry.pointee.pw_uid
        }
    }

    private static func system(_ executable: String, _ arguments: [String]) async throws {
        let scratch = try TemporaryDirectory(prefix: "chu")
        defer { scratch.remove() }
        let result = try await ChildProcess.run(executable, arguments, outputDirectory: scratch.path)
        guard result.status == 0 else {
            throw TestUserError("\(executable) \(arguments.joined(separator: " ")) failed: \(result.error)")
        }
    }
}

struct TestUserError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
