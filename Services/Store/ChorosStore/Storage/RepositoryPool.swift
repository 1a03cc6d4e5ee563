internal import CGit2
internal import NIOPosix
internal import Synchronization

/// Lends repository handles to blocking jobs, never on the cooperative pool or an event loop
/// (STYLE.md, 26). Reads run on a pool of threads, concurrently with writes; every write runs
/// on one thread, so writes are serialized (and a commit's CAS never races another of ours).
///
/// Writes go through a handle of their own whose refs are written without an fsync each:
/// every write job ends with one sync of the filesystem instead (or, for a batch of commits,
/// with the syncs `CommitBatch` orders itself), so a ref update costs one flush however many
/// refs a job moves. Objects outside a batch are still fsynced as libgit2 writes them, so no
/// ref is made durable before the objects it names.
final class RepositoryPool: Sendable {
    private let path: String
    private let canonRef: String
    private let idle = Mutex<[GitRepository]>([])
    private let readers: NIOThreadPool
    private let writer: NIOThreadPool
    private let writeHandle: GitRepository

    init(path: String, canonRef: String, readerThreads: Int = 2) throws {
        self.path = path
        self.canonRef = canonRef
        self.idle.withLock { $0 = [] }
        // Opening once here creates the repository when it is new (fsynced as libgit2 writes it).
        let first = try GitRepository.openOrCreate(at: path, canonRef: canonRef)
        self.idle.withLock { $0.append(first) }
        // libgit2 reads the fsync setting into a handle's ref database when that is first
        // loaded (by the first ref lookup); nothing else opens a handle while the pool is made.
        choros_git_enable_fsync(0)
        let writeHandle = Result {
            let handle = try GitRepository.openOrCreate(at: path, canonRef: canonRef)
            _ = try handle.target(ofRef: canonRef)
            return handle
        }
        choros_git_enable_fsync(1)
        self.writeHandle = try writeHandle.get()
        self.readers = NIOThreadPool(numberOfThreads: readerThreads)
        self.writer = NIOThreadPool(numberOfThreads: 1)
        self.readers.start()
        self.writer.start()
    }

    func read<Result: Sendable>(_ body: @escaping @Sendable (GitRepository) throws -> Result) async throws -> Result {
        try await self.readers.runIfActive { try self.withHandle(body) }
    }

    /// Runs `body` on the writer thread; `sync` makes what it wrote durable before returning
    /// (a body that orders its own syncs passes false).
    func write<Result: Sendable>(
        sync: Bool = true,
        _ body: @escaping @Sendable (GitRepository) throws -> Result
    ) async throws -> Result {
        try await self.writer.runIfActive {
            let result = try body(self.writeHandle)
            if sync { try self.writeHandle.syncFilesystem() }
            return result
        }
    }

    /// Runs `body` with a handle right here (start-up work that precedes serving).
    func withHandle<Result>(_ body: (GitRepository) throws -> Result) throws -> Result {
        let handle =
            try self.idle.withLock { $0.popLast() }
            ?? GitRepository.openOrCreate(at: self.path, canonRef: self.canonRef)
        defer { self.idle.withLock { $0.append(handle) } }
        return try body(handle)
    }

    func shutdown() async {
        try? await self.readers.shutdownGracefully()
        try? await self.writer.shutdownGracefully()
    }
}
