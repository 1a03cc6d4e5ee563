/// Tests that time a bound (a restart within 5 s) run alone; tests that start daemons run
/// side by side otherwise. Swift Testing runs suites in parallel, and on a two-core machine a
/// dozen daemons starting at once can push a timed restart past its bound.
///
/// A readers-writer lock, first come first served (a waiting exclusive test holds back new
/// shared ones, so it is never starved). A task that holds a slot passes it to everything it
/// runs, so a fixture inside a fixture never waits for itself.
actor TestSlots {
    static let shared = TestSlots()
    @TaskLocal private static var isHeld = false

    private var sharedHolders = 0
    private var isExclusive = false
    private var waiting: [(exclusive: Bool, resume: CheckedContinuation<Void, Never>)] = []

    /// Runs `body` beside other shared holders.
    static func shared<Result>(_ body: () async throws -> Result) async throws -> Result {
        try await Self.run(exclusive: false, body)
    }

    /// Runs `body` with no other daemon test running.
    static func exclusive<Result>(_ body: () async throws -> Result) async throws -> Result {
        try await Self.run(exclusive: true, body)
    }

    private static func run<Result>(exclusive: Bool, _ body: () async throws -> Result) async throws -> Result {
        if Self.isHeld { return try await body() }
        await Self.shared.enter(exclusive: exclusive)
        do {
            let result = try await Self.$isHeld.withValue(true) { try await body() }
            await Self.shared.leave(exclusive: exclusive)
            return result
        } catch {
            await Self.shared.leave(exclusive: exclusive)
            throw error
        }
    }

    private func canEnter(exclusive: Bool) -> Bool {
        exclusive ? !self.isExclusive && self.sharedHolders == 0 : !self.isExclusive
    }

    private func enter(exclusive: Bool) async {
        if self.waiting.isEmpty && self.canEnter(exclusive: exclusive) {
            self.take(exclusive: exclusive)
            return
        }
        await withCheckedContinuation { self.waiting.append((exclusive, $0)) }
    }

    private func take(exclusive: Bool) {
        if exclusive { self.isExclusive = true } else { self.sharedHolders += 1 }
    }

    private func leave(exclusive: Bool) {
        if exclusive { self.isExclusive = false } else { self.sharedHolders -= 1 }
        while let next = self.waiting.first, self.canEnter(exclusive: next.exclusive) {
            self.waiting.removeFirst()
            self.take(exclusive: next.exclusive)
            next.resume.resume()
        }
    }
}
