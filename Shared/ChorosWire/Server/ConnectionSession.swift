internal import Synchronization

/// State that lives exactly as long as one connection: the gateway binds an identity to it
/// at the handshake. Calls on the connection run concurrently, hence the lock.
package final class ConnectionSession: Sendable {
    private let storage = Mutex<(any Sendable)?>(nil)

    package init() {}

    /// Reads or replaces the value atomically; `body` must not block.
    package func withValue<Result: Sendable, Failure: Error>(
        _ body: (inout (any Sendable)?) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try self.storage.withLock { value throws(Failure) in try body(&value) }
    }
}
