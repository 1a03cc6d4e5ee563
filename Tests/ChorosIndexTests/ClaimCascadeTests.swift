import ChorosTesting
import Testing

@testable import ChorosIndex

@Suite("Claim cascade")
struct ClaimCascadeTests {
    /// `inputs[claim]` lists what each claim was derived from.
    private func dependents(_ inputs: [String: [String]]) -> (String) -> [String] {
        var reverse: [String: [String]] = [:]
        for (claim, sources) in inputs { for source in sources { reverse[source, default: []].append(claim) } }
        return { reverse[$0] ?? [] }
    }

    @Test("a chain and a diamond: each affected claim once, with its shortest path, breadth-first then op id")
    func chainAndDiamond() throws {
        // root ← a ← c ← d, root ← b ← c (diamond at c), e depends on nothing affected.
        let inputs = ["a": ["root"], "b": ["root"], "c": ["a", "b"], "d": ["c"], "e": ["x"]]
        let plan = try ClaimCascade.plan(cause: "refute", root: "root", dependents: self.dependents(inputs))
        #expect(plan.map(\.target) == ["a", "b", "c", "d"])
        #expect(
            plan[2].path == ["refute", "root", "a", "c"],
            "the diamond is reached once, via the first shortest path"
        )
        #expect(plan[3].path == ["refute", "root", "a", "c", "d"])
        #expect(!plan.contains { $0.target == "e" }, "unaffected claims are untouched")
    }

    @Test("running again emits nothing new")
    func idempotent() throws {
        let inputs = ["a": ["root"], "b": ["a"]]
        let done: Set<String> = ["a", "b"]
        let plan = try ClaimCascade.plan(
            cause: "refute",
            root: "root",
            dependents: self.dependents(inputs),
            isInvalidated: { target, _ in done.contains(target) }
        )
        #expect(plan.isEmpty)
    }

    @Test("on 1,000 random claims the plan matches a brute-force shortest-path search, and visits only the affected")
    func matchesBruteForce() throws {
        var generator = SeededGenerator(seed: 7)
        var inputs: [String: [String]] = [:]
        let names = (0..<1_000).map { "op_" + String(repeating: "0", count: 4 - String($0).count) + String($0) }
        for (index, name) in names.enumerated() where index > 0 {
            // Inputs must exist already: a claim depends only on earlier ones, so no cycle.
            let count = Int(generator.next() % 3) + 1
            inputs[name] = (0..<count).map { _ in names[Int(generator.next() % UInt64(index))] }
        }
        var visited = 0
        let lookup = self.dependents(inputs)
        let plan = try ClaimCascade.plan(
            cause: "cause",
            root: names[3],
            dependents: {
                visited += 1
                return lookup($0)
            }
        )
        // Brute force: BFS over every claim's inputs, repeated until nothing changes.
        var distance: [String: Int] = [names[3]: 0]
        var changed = true
        while changed {
            changed = false
            for (claim, sources) in inputs {
                let best = sources.compactMap { distance[$0] }.min()
                if let best, distance[claim].map({ $0 > best + 1 }) ?? true {
                    distance[claim] = best + 1
                    changed = true
                }
            }
        }
        let affected = Set(distance.keys).subtracting([names[3]])
        #expect(Set(plan.map(\.target)) == affected)
        #expect(plan.count == affected.count, "one invalidation per affected claim")
        for invalidation in plan {
            #expect(invalidation.path.count == (distance[invalidation.target] ?? 0) + 2, "shortest path")
            #expect(invalidation.path.first == "cause" && invalidation.path.last == invalidation.target)
        }
        #expect(visited == affected.count + 1, "the walk visits only the affected subgraph")
        let levels = plan.map { $0.path.count }
        #expect(levels == levels.sorted(), "breadth-first")
    }
}
