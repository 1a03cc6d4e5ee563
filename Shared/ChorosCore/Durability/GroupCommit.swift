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
        let id: UInt64
        let request: Request
        let continuation: CheckedContinuation<Response, any Error>
    }

    private struct State {
        var pending: [Waiter] = []
        var isFlushing = false
        var nextID: UInt64 = 0
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
    ///
    /// A caller cancelled (its deadline passed) while its request still waits for a batch
    /// leaves at once with `CancellationError`, and its request is never flushed: behind a slow
    /// batch, callers that gave up would otherwise pile up as calls in flight. Once its batch
    /// has started, it waits for the batch's answer, which says whether it was written.
    package func submit(_ request: Request, flush: @escaping Flush) async throws -> Response {
        let id = self.state.withLockedValue { state in
            defer { state.nextID &+= 1 }
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let leads = self.state.withLockedValue { state -> Bool? in
                    // Cancelled before it queued: the handler below found nothing to remove.
                    guard !Task.isCancelled else { return nil }
                    state.pending.append(Waiter(id: id, request: request, continuation: continuation))
                    guard !state.isFlushing else { return false }
                    state.isFlushing = true
                    return true
                }
                switch leads {
                case nil: continuation.resume(throwing: CancellationError())
                // The first writer of an idle committer starts the drain; the rest only wait.
                case true?: Task { await self.drain(flush) }
                case false?: break
                }
            }
        } onCancel: {
            let waiter = self.state.withLockedValue { state -> Waiter? in
                guard let index = state.pending.firstIndex(where: { $0.id == id }) else { return nil }
                return state.pending.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
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
