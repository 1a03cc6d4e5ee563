internal import NIOPosix
internal import Synchronization

/// Lends repository handles to blocking jobs, never on the cooperative pool or an event loop
/// (STYLE.md, 26). Reads run on a pool of threads, concurrently with writes; every write runs
/// on one thread, so writes are serialized (and a commit's CAS never races another of ours).
final class RepositoryPool: Sendable {
    private let path: String
    private let canonRef: String
    private let idle = Mutex<[GitRepository]>([])
    private let readers: NIOThreadPool
    private let writer: NIOThreadPool

    init(path: String, canonRef: String, readerThreads: Int = 2) throws {
        self.path = path
        self.canonRef = canonRef
        self.idle.withLock { $0 = [] }
        self.readers = NIOThreadPool(numberOfThreads: readerThreads)
        self.writer = NIOThreadPool(numberOfThreads: 1)
        // Opening once here creates the repository when it is new.
        let first = try GitRepository.openOrCreate(at: path, canonRef: canonRef)
        self.idle.withLock { $0.append(first) }
        self.readers.start()
        self.writer.start()
    }

    func read<Result: Sendable>(_ body: @escaping @Sendable (GitRepository) throws -> Result) async throws -> Result {
        try await self.readers.runIfActive { try self.withHandle(body) }
    }

    func write<Result: Sendable>(_ body: @escaping @Sendable (GitRepository) throws -> Result) async throws -> Result {
        try await self.writer.runIfActive { try self.withHandle(body) }
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
