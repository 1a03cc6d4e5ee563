internal import NIOCore

/// Runs tasks on one event loop's thread.
///
/// A connection's frames arrive on its channel's event loop; running the connection loop and
/// each call's task there too (as a task-executor preference) saves two thread hand-offs per
/// call, which is most of a small call's cost. Handlers must therefore never block: blocking
/// work (libgit2, SQLite) goes to a thread pool or GRDB's async API (STYLE.md, 26).
final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
