internal import Foundation

/// A fresh directory under /tmp with a short path (Unix socket paths must stay under 104 bytes),
/// removed when the test is done with it.
package struct TemporaryDirectory: Sendable {
    package let path: String

    package init(prefix: String = "ch") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: "/tmp/\(prefix)-XXXXXX"])
        }
        self.path = String(cString: created)
    }

    package func appending(_ component: String) -> String {
        self.path + "/" + component
    }

    package func remove() {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}

/// Runs `body` with a temporary directory and removes it afterwards, whatever happens.
package func withTemporaryDirectory<Result>(
    prefix: String = "ch",
    _ body: (TemporaryDirectory) async throws -> Result
) async throws -> Result {
    let directory = try TemporaryDirectory(prefix: prefix)
    defer { directory.remove() }
    return try await body(directory)
}
