internal import ChorosCore
package import ChorosProto

/// Entry points for `choros-bench`, which measures the store in process (no socket).
extension GitStore {
    package func commitForBenchmark(_ request: Choros_V1_CommitRequest) async throws -> String {
        try await self.commit(request).commit.hex
    }

    /// The store's own check of a commit's signed op (`WriteAuthority`), alone: its cost per
    /// commit is what TRUST.md's "every daemon verifies what it writes" adds to a write.
    package var deploymentForBenchmark: String { self.configuration.deploymentID }

    package func authorizeForBenchmark(_ request: Choros_V1_CommitRequest) async throws {
        _ = try await self.pool.read { try self.authority(in: $0).authorize(request).signer }
    }

    package func readForBenchmark(rev: String, path: String) async throws -> Int {
        try await self.readBlob(rev: rev, path: path).content.count
    }

    package func branchForBenchmark(_ ref: String, at oid: String) async throws {
        try await self.createBranch(ref, at: oid)
    }

    /// Points canon at an existing commit, as a bootstrap of that tree would.
    package func bootstrapForBenchmark(from oid: String) async throws -> String {
        let target = try Self.oid(oid, field: "oid")
        let canonRef = self.configuration.canonRef
        try await self.pool.write { try $0.moveRef(canonRef, to: target, from: nil) }
        return oid
    }

    package func prepareForBenchmark(_ proposalRef: String) async throws -> String {
        try await self.prepareMerge(proposalRef).candidate.hex
    }

    package func landForBenchmark(_ candidate: String, approval: Choros_V1_SignedOp) async throws -> String {
        try await self.land(candidate: candidate, approval: approval).canon.hex
    }
}
