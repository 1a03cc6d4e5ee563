internal import Foundation
internal import Logging
internal import MCP
internal import NIOConcurrencyHelpers

/// One HTTP session's link to its SDK server. A request is yielded to the server and its
/// answer handed back to the HTTP request that carried it, as a JSON body: the door answers
/// every POST with `application/json` (Streamable HTTP allows it), sends no server-initiated
/// messages (`listChanged` is false), and so keeps no event log to replay — the SDK's own
/// transports keep every message for the session's life.
actor SessionTransport: Transport {
    nonisolated let logger: Logger
    private let messages: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var waiting: [String: CheckedContinuation<Data?, Never>] = [:]

    init(logger: Logger) {
        self.logger = logger
        (self.messages, self.continuation) = AsyncThrowingStream.makeStream(of: Data.self, throwing: (any Error).self)
    }

    func connect() async throws {}

    func disconnect() async {
        self.continuation.finish()
        for waiter in self.waiting.values { waiter.resume(returning: nil) }
        self.waiting.removeAll()
    }

    /// The server's answers go to the request waiting for them; anything else has no reader.
    func send(_ data: Data) async throws {
        guard let message = RPCMessage(data), case .response(let id) = message.kind else { return }
        self.waiting.removeValue(forKey: id)?.resume(returning: data)
    }

    func receive() -> AsyncThrowingStream<Data, any Error> { self.messages }

    /// Hands `body` (a request with id `id`) to the server and returns its answer; nil when a
    /// request with that id is already waiting, or the session closed.
    func exchange(_ body: Data, id: String) async -> Data? {
        guard self.waiting[id] == nil else { return nil }
        return await withCheckedContinuation { waiter in
            self.waiting[id] = waiter
            self.continuation.yield(body)
        }
    }

    /// Hands a notification or a client's response to the server; nothing comes back.
    func deliver(_ body: Data) {
        self.continuation.yield(body)
    }
}
