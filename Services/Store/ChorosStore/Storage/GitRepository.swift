internal import CGit2
internal import Foundation

/// One open handle on the store's bare repository. libgit2 handles are not shared across
/// threads, so the `RepositoryPool` lends each to one job at a time; no `git_repository`
/// pointer leaves this type and its extensions.
// @unchecked: a handle is used by one pool job at a time (RepositoryPool enforces it).
final class GitRepository: @unchecked Sendable {
    let pointer: OpaquePointer
    let path: String

    /// Opens the bare repository at `path`, creating it (HEAD → `canonRef`) when absent.
    static func openOrCreate(at path: String, canonRef: String) throws -> GitRepository {
        GitLibrary.initializeOnce()
        var pointer: OpaquePointer?
        if FileManager.default.fileExists(atPath: path + "/HEAD") {
            try GitError.check(git_repository_open_bare(&pointer, path), operation: "open \(path)")
        } else {
            var options = git_repository_init_options()
            try GitError.check(
                git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)),
                operation: "init options"
            )
            options.flags = GIT_REPOSITORY_INIT_BARE.rawValue | GIT_REPOSITORY_INIT_MKPATH.rawValue
            let status = canonRef.withCString { head in
                options.initial_head = head
                return git_repository_init_ext(&pointer, path, &options)
            }
            try GitError.check(status, operation: "create \(path)")
        }
        guard let pointer else { throw GitError(operation: "open \(path)", code: -1, message: "no repository") }
        return GitRepository(pointer: pointer, path: path)
    }

    private init(pointer: OpaquePointer, path: String) {
        self.pointer = pointer
        self.path = path
    }

    deinit {
        git_repository_free(self.pointer)
    }

    var isBare: Bool { git_repository_is_bare(self.pointer) == 1 }
}

/// An owned libgit2 object (commit, tree, reference, ...), freed when released.
final class GitObject {
    let pointer: OpaquePointer
    private let free: (OpaquePointer) -> Void

    init(_ pointer: OpaquePointer, free: @escaping (OpaquePointer) -> Void) {
        self.pointer = pointer
        self.free = free
    }

    deinit {
        self.free(self.pointer)
    }
}

/// Process-wide libgit2 set-up, done once before the first repository opens: fsync of
/// objects and refs (acknowledged means durable), strict object creation, and no configuration
/// but the repository's own.
enum GitLibrary {
    private static let setUp: Void = {
        git_libgit2_init()
        choros_git_enable_fsync(1)
        choros_git_enable_strict_object_creation(1)
        choros_git_isolate_config()
        // Trees and commits are re-read cheaply from the page cache; a large object cache only
        // holds resident memory (PERFORMANCE.md: 48 MiB a daemon idle at 100k entries).
        choros_git_set_cache_max_size(8 << 20)
    }()

    static func initializeOnce() {
        _ = self.setUp
    }

    static var version: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        git_libgit2_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }
}

/// A libgit2 call failed; carries the operation, libgit2's code and its message.
package struct GitError: Error, CustomStringConvertible {
    var operation: String
    var code: Int32
    var message: String

    package var description: String { "\(self.operation) failed (\(self.code)): \(self.message)" }

    /// Reads libgit2's per-thread last error right after the failing call, as it may be reset.
    static func check(_ status: Int32, operation: String) throws {
        guard status < 0 else { return }
        throw self.last(status, operation: operation)
    }

    static func last(_ status: Int32, operation: String) -> GitError {
        let message = git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "unknown error"
        return GitError(operation: operation, code: status, message: message)
    }
}
