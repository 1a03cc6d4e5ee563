internal import CGit2
internal import NIOConcurrencyHelpers
internal import NIOPosix

/// Lends repository handles to blocking jobs, never on the cooperative pool or an event loop
/// (STYLE.md, 26). Reads run on a pool of threads, concurrently with writes; every write runs
/// on one thread, so writes are serialized (and a commit's CAS never races another of ours).
///
/// A batch of commits goes through a handle of its own whose refs are written without an
/// fsync each: `CommitBatch` orders its own two syncs of the filesystem, so a batch's ref
/// updates cost one flush however many refs it moves. Every other write keeps libgit2's fsync
/// per file (a syncfs would also flush whatever the other daemons have dirty), on a handle
/// whose ref database was loaded with fsync on: the setting is global while a batch runs, and a
/// reader's handle opened then would not fsync its refs, so no write borrows a reader's handle.
final class RepositoryPool: Sendable {
    private let path: String
    private let canonRef: String
    private let idle = NIOLockedValueBox<[GitRepository]>([])
    private let readers: NIOThreadPool
    private let writer: NIOThreadPool
    /// Pushes to mirrors, one at a time (libgit2 updates a local mirror's refs unconditionally,
    /// so two at once could move one back) and off the readers (a push takes minutes).
    private let mirrors: NIOThreadPool
    private let writeHandle: GitRepository
    private let batchHandle: GitRepository

    init(path: String, canonRef: String, readerThreads: Int = 2) throws {
        self.path = path
        self.canonRef = canonRef
        self.idle.withLockedValue { $0 = [] }
        // Opening once here creates the repository when it is new (fsynced as libgit2 writes it).
        let first = try GitRepository.openOrCreate(at: path, canonRef: canonRef)
        self.idle.withLockedValue { $0.append(first) }
        self.writeHandle = try Self.loaded(path: path, canonRef: canonRef)
        // libgit2 reads the fsync setting into a handle's ref database when that is first
        // loaded (by the first ref lookup); nothing else opens a handle while the pool is made.
        choros_git_enable_fsync(0)
        let batchHandle = Result { try Self.loaded(path: path, canonRef: canonRef) }
        choros_git_enable_fsync(1)
        self.batchHandle = try batchHandle.get()
        self.readers = NIOThreadPool(numberOfThreads: readerThreads)
        self.writer = NIOThreadPool(numberOfThreads: 1)
        self.mirrors = NIOThreadPool(numberOfThreads: 1)
        self.readers.start()
        self.writer.start()
        self.mirrors.start()
    }

    func read<Result: Sendable>(_ body: @escaping @Sendable (GitRepository) throws -> Result) async throws -> Result {
        try await self.readers.runIfActive { try self.withHandle(body) }
    }

    /// A job that only reads this repository but runs long (a push), on a reader's handle and a
    /// thread of lower priority than the commits'.
    func mirror<Result: Sendable>(_ body: @escaping @Sendable (GitRepository) throws -> Result) async throws -> Result {
        try await self.mirrors.runIfActive {
            _ = choros_lower_thread_priority()
            return try self.withHandle(body)
        }
    }

    func write<Result: Sendable>(_ body: @escaping @Sendable (GitRepository) throws -> Result) async throws -> Result {
        try await self.writer.runIfActive { try body(self.writeHandle) }
    }

    /// Runs a commit batch on the writer thread with the handle whose ref updates are not
    /// fsynced: the batch makes them durable itself.
    func writeBatch<Result: Sendable>(
        _ body: @escaping @Sendable (GitRepository) throws -> Result
    ) async throws -> Result {
        try await self.writer.runIfActive { try body(self.batchHandle) }
    }

    /// Runs `body` with a handle right here (start-up work that precedes serving).
    func withHandle<Result>(_ body: (GitRepository) throws -> Result) throws -> Result {
        let handle =
            try self.idle.withLockedValue { $0.popLast() }
            ?? GitRepository.openOrCreate(at: self.path, canonRef: self.canonRef)
        defer { self.idle.withLockedValue { $0.append(handle) } }
        return try body(handle)
    }

    /// A handle whose ref database is loaded now, under the fsync setting of this moment.
    private static func loaded(path: String, canonRef: String) throws -> GitRepository {
        let handle = try GitRepository.openOrCreate(at: path, canonRef: canonRef)
        _ = try handle.target(ofRef: canonRef)
        return handle
    }

    func shutdown() async {
        try? await self.readers.shutdownGracefully()
        try? await self.writer.shutdownGracefully()
        try? await self.mirrors.shutdownGracefully()
    }
}
