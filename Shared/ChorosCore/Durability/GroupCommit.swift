internal import NIOConcurrencyHelpers
internal import Synchronization

/// Group commit: writers that arrive while a batch is being made durable wait together and
/// go in the next batch, so concurrent writers share one transaction and one sync instead of
/// queueing for one each. Every writer is answered only after the batch holding its request
/// is durable, with its own result (one writer's refusal fails no other).
package final class GroupCommit<Request: Sendable, Response: Sendable>: Sendable {
    /// Makes a batch durable; answers one result per request, in order.
    package typealias Flush = @Sendable ([Request]) async -> [Result<Response, any Error>]

    private struct Waiter {
        let request: Request
        let continuation: CheckedContinuation<Response, any Error>
    }

    private struct State {
        var pending: [Waiter] = []
        var isFlushing = false
    }

    private let state = NIOLockedValueBox(State())
    private let batchSizes = Atomic<Int>(0)
    private let batches = Atomic<Int>(0)

    package init() {}

    /// The mean batch size so far, for benchmarks and health figures.
    package var meanBatchSize: Double {
        let count = self.batches.load(ordering: .relaxed)
        return count == 0 ? 0 : Double(self.batchSizes.load(ordering: .relaxed)) / Double(count)
    }

    /// Waits for `request`'s batch to be made durable by `flush` (every caller of one
    /// committer passes the same; the writer that finds it idle runs it for everyone).
    package func submit(_ request: Request, flush: @escaping Flush) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            let leads = self.state.withLockedValue { state in
                state.pending.append(Waiter(request: request, continuation: continuation))
                guard !state.isFlushing else { return false }
                state.isFlushing = true
                return true
            }
            // The first writer of an idle committer starts the drain; the rest only wait.
            if leads { Task { await self.drain(flush) } }
        }
    }

    private func drain(_ flush: Flush) async {
        while true {
            let batch = self.state.withLockedValue { state in
                let batch = state.pending
                state.pending = []
                if batch.isEmpty { state.isFlushing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            self.batches.add(1, ordering: .relaxed)
            self.batchSizes.add(batch.count, ordering: .relaxed)
            let results = await flush(batch.map(\.request))
            for (index, waiter) in batch.enumerated() {
                waiter.continuation.resume(
                    with: index < results.count
                        ? results[index] : .failure(GroupCommitError.noResult)
                )
            }
        }
    }
}

package enum GroupCommitError: Error, CustomStringConvertible {
    case noResult

    package var description: String { "the batch ended without a result for this write" }
}
