internal import CGit2
internal import Foundation

/// The store's bare repository, opened through libgit2. The only type that holds a
/// `git_repository` pointer; it never leaves this wrapper.
// @unchecked: the pointer is used only from the store's serialized executor (issue #3 adds
// the RPCs that need it); this type itself does no concurrent access.
final class GitRepository: @unchecked Sendable {
    private let pointer: OpaquePointer
    let path: String

    /// Opens the bare repository at `path`, creating it (HEAD → `canonRef`) when absent, with
    /// fsync of objects and refs and strict object creation turned on.
    ///
    /// - Throws: `GitError` with libgit2's message.
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

/// Process-wide libgit2 setup, done once before the first repository opens.
enum GitLibrary {
    private static let setUp: Void = {
        git_libgit2_init()
        choros_git_enable_fsync(1)
        choros_git_enable_strict_object_creation(1)
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
struct GitError: Error, CustomStringConvertible {
    var operation: String
    var code: Int32
    var message: String

    var description: String { "\(self.operation) failed (\(self.code)): \(self.message)" }

    /// Reads libgit2's per-thread last error right after the failing call, as it may be reset.
    static func check(_ status: Int32, operation: String) throws {
        guard status < 0 else { return }
        let message = git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "unknown error"
        throw GitError(operation: operation, code: status, message: message)
    }
}
