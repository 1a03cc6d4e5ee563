internal import NIOConcurrencyHelpers
internal import Synchronization

/// State that lives exactly as long as one connection: the gateway binds an identity to it
/// at the handshake. Calls on the connection run concurrently, hence the lock.
package final class ConnectionSession: Sendable {
    private let storage = NIOLockedValueBox<(any Sendable)?>(nil)
    private let established = Atomic<Bool>(false)

    package init() {}

    /// The service accepts this connection for good (the gateway: the handshake succeeded);
    /// until then the socket's establish deadline may close it.
    package func markEstablished() { self.established.store(true, ordering: .relaxed) }

    package var isEstablished: Bool { self.established.load(ordering: .relaxed) }

    /// Reads or replaces the value atomically; `body` must not block.
    package func withValue<Result: Sendable>(_ body: (inout (any Sendable)?) throws -> Result) rethrows -> Result {
        try self.storage.withLockedValue { try body(&$0) }
    }
}
