internal import NIOConcurrencyHelpers

/// A lock-protected value that escaping test closures can share.
package final class Shared<Value: Sendable>: Sendable {
    private let storage: NIOLockedValueBox<Value>

    package init(_ value: Value) {
        self.storage = NIOLockedValueBox(value)
    }

    package var value: Value { self.storage.withLockedValue { $0 } }

    package func mutate<Result>(_ body: (inout Value) -> Result) -> Result {
        self.storage.withLockedValue { body(&$0) }
    }
}
