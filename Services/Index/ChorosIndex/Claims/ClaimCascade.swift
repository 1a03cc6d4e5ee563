/// The invalidation cascade of CLAIMS.md: when a claim is refuted or corrected, every claim
/// that has it among its inputs, transitively, gets exactly one `claim.invalidate` naming the
/// shortest dependency path from the cause. Breadth-first, each level in op-id order, so the
/// result is deterministic; a diamond is reached once, by its shortest path. The walk visits
/// only the affected subgraph: `dependents` is an indexed lookup, never a scan.
package enum ClaimCascade {
    package struct Invalidation: Sendable, Equatable, CustomStringConvertible {
        /// The downstream claim to invalidate.
        package var target: String
        /// Op ids from the cause (the refute or correct op) to the target.
        package var path: [String]

        package var description: String { "\(self.target) via \(self.path.joined(separator: " → "))" }
    }

    /// - Parameters:
    ///   - cause: the `claim.refute` / `claim.correct` op.
    ///   - root: the claim it refutes or corrects (not itself invalidated: it is refuted).
    ///   - dependents: the claims listing an op among their inputs.
    ///   - isInvalidated: whether a claim already carries an invalidation by this cause, so
    ///     running the cascade again emits nothing new (it still walks through such claims).
    package static func plan(
        cause: String,
        root: String,
        dependents: (String) throws -> [String],
        isInvalidated: (_ target: String, _ cause: String) throws -> Bool = { _, _ in false }
    ) throws -> [Invalidation] {
        var paths: [String: [String]] = [root: [cause, root]]
        var level = [root]
        var invalidations: [Invalidation] = []
        while !level.isEmpty {
            var next: [String] = []
            for node in level {
                let path = paths[node] ?? []
                for dependent in try dependents(node).sorted() where paths[dependent] == nil {
                    paths[dependent] = path + [dependent]
                    next.append(dependent)
                }
            }
            next.sort()
            for target in next where try !isInvalidated(target, cause) {
                invalidations.append(Invalidation(target: target, path: paths[target] ?? []))
            }
            level = next
        }
        return invalidations
    }
}
