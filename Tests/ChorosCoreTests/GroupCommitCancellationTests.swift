import ChorosCore
import NIOConcurrencyHelpers
import Testing

@Suite("Group commit: callers that give up")
struct GroupCommitCancellationTests {
    @Test("a writer cancelled while it waits behind a slow batch leaves at once and is never flushed")
    func cancelledWaiterLeaves() async throws {
        let committer = GroupCommit<Int, Int>()
        let flushed = NIOLockedValueBox<[Int]>([])
        let (gate, opener) = AsyncStream<Void>.makeStream()
        let (started, signal) = AsyncStream<Void>.makeStream()
        let flush: GroupCommit<Int, Int>.Flush = { requests in
            flushed.withLockedValue { $0 += requests }
            if requests.contains(1) {
                signal.yield()
                for await _ in gate { break }
            }
            return requests.map { .success($0 * 10) }
        }
        let first = Task { try await committer.submit(1, flush: flush) }
        for await _ in started { break }
        let second = Task { try await committer.submit(2, flush: flush) }
        await Task.yield()
        second.cancel()
        // Without the cancellation path the second writer waits for the first batch, which
        // waits for the gate: after 10 s the gate opens so the test ends, and fails.
        let outcome = await withTaskGroup(of: String.self) { group in
            group.addTask {
                do {
                    _ = try await second.value
                    return "written"
                } catch is CancellationError {
                    return "cancelled"
                } catch {
                    return "\(error)"
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                opener.yield()
                return "still waiting after 10 s"
            }
            let outcome = await group.next() ?? ""
            group.cancelAll()
            return outcome
        }
        opener.yield()
        opener.finish()
        #expect(outcome == "cancelled")
        #expect(try await first.value == 10)
        #expect(flushed.withLockedValue { $0 } == [1], "the abandoned request was never written")
        // The committer still serves: the next writer runs its own batch.
        #expect(try await committer.submit(3, flush: flush) == 30)
    }
}
