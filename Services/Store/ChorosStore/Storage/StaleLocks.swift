internal import Foundation

/// Lock files a killed store left in the repository. The store holds the repository's only
/// writer lock (`choros-store.lock`) and writes refs from one thread, so once it holds that
/// lock any ref lock already present is stale: a SIGKILL between libgit2's lock and its
/// rename. Left in place, every later write of that ref would fail.
enum StaleLocks {
    /// Removes them and returns their paths relative to the git directory.
    static func clear(in gitDirectory: String) -> [String] {
        let root = URL(fileURLWithPath: gitDirectory)
        var stale = ["packed-refs.lock", "HEAD.lock", "config.lock"].filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path)
        }
        let refs = root.appendingPathComponent("refs")
        if let walk = FileManager.default.enumerator(at: refs, includingPropertiesForKeys: nil) {
            for case let file as URL in walk where file.pathExtension == "lock" {
                stale.append("refs/" + file.path.dropFirst(refs.path.count + 1))
            }
        }
        return stale.filter { unlink(root.appendingPathComponent($0).path) == 0 }
    }
}
