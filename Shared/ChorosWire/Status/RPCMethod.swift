package import SwiftProtobuf

/// A typed method descriptor shared by servers (to register) and clients (to call).
///
/// `isIdempotent` marks calls that may be retried on UNAVAILABLE within their deadline: reads,
/// and mutations that carry an op id. Nothing else is ever retried.
package struct RPCMethod<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>: Sendable {
    package let path: String
    package let isIdempotent: Bool

    package init(_ path: String, isIdempotent: Bool) {
        self.path = path
        self.isIdempotent = isIdempotent
    }
}
