import ChorosProto
import ChorosTesting
import ChorosWire
import Testing

@testable import ChorosGateway

/// TRUST.md, rule 6: the gateway's per-instance share and its budget for unauthenticated refusals.
@Suite("Gateway bounds")
struct BoundsTests {
    @Test("an instance's calls past its quota are refused at once; another instance is not held back")
    func quota() async throws {
        let quota = InstanceQuota(limit: 2)
        let (gate, release) = AsyncStream.makeStream(of: Void.self)
        let holding = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask { try await quota.run("alice") { for await _ in gate { break } } }
                }
                try await group.waitForAll()
            }
        }
        while !quota.isFull("alice") { await Task.yield() }
        let refused = await #expect(throws: Refusal.self) { try await quota.run("alice") {} }
        #expect(refused?.gate == .quota && refused?.code == .resourceExhausted)
        #expect(refused?.reason.contains("'alice' has 2 calls in flight") == true)
        try await quota.run("bob") {}
        release.yield()
        release.yield()
        release.finish()
        try await holding.value
        try await quota.run("alice") {}
    }

    @Test("an instance's writes past its write share wait their turn; another instance's do not")
    func writeShare() async throws {
        let quota = InstanceQuota(limit: 32, writeLimit: 2)
        let (gate, release) = AsyncStream.makeStream(of: Void.self)
        let started = Shared(0)
        let writers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await quota.write("alice") {
                            started.mutate { $0 += 1 }
                            for await _ in gate { break }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        while started.value < 2 { await Task.yield() }
        try await Task.sleep(for: .milliseconds(100))
        #expect(started.value == 2, "the third write waits for a slot")
        try await quota.write("bob") {}
        release.yield()
        while started.value < 3 { await Task.yield() }
        release.yield()
        release.yield()
        release.finish()
        try await writers.value
    }

    @Test("unauthenticated refusals are audited up to a burst per uid, then at the refill rate")
    func denialBudget() {
        let budget = DenialBudget(burst: 3, perSecond: 0)
        #expect((0..<5).map { _ in budget.take(1000) } == [true, true, true, false, false])
        #expect(budget.take(1001), "another uid has its own budget")
    }
}
