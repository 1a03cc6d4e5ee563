internal import Synchronization

/// A lock-protected value that escaping test closures can share.
package final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    package init(_ value: Value) {
        self.storage = Mutex(value)
    }

    package var value: Value { self.storage.withLock { $0 } }

    package func mutate<Result>(_ body: (inout Value) -> Result) -> Result {
        self.storage.withLock { body(&$0) }
    }
}
