internal import ChorosProto

extension GitStore {
    private func mirroredReferences(_ repository: GitRepository) throws -> [(name: String, oid: GitOID)] {
        try StoreConfiguration.mirroredPrefixes.flatMap { try repository.references(withPrefix: $0) }
    }

    /// Pushes every head, `refs/cap/*` and state tag, then verifies by listing the remote.
    ///
    /// - Throws: `StoreError.pushRejected` naming each refused ref (non-fast-forward).
    func pushAll(to remote: String) async throws -> Choros_V1_SyncReport {
        let rejected = try await self.pool.write { repository in
            let local = try self.mirroredReferences(repository)
            let nonFastForward = try Self.nonFastForward(local, remote: remote, repository: repository)
            guard nonFastForward.isEmpty else { return nonFastForward }
            return try repository.push(local.map(\.name), to: remote)
        }
        guard rejected.isEmpty else { throw StoreError.pushRejected(rejected) }
        return try await self.verifySync(with: remote)
    }

    /// Refs whose remote value is not an ancestor of ours: pushing them would rewrite the
    /// mirror's history, so the whole push is refused and they are named. (libgit2's own
    /// refusal does not say which ref.)
    private static func nonFastForward(
        _ local: [(name: String, oid: GitOID)],
        remote: String,
        repository: GitRepository
    ) throws -> [String: String] {
        let remoteRefs = (try? repository.remoteReferences(remote)) ?? [:]
        var refused: [String: String] = [:]
        for (name, oid) in local {
            guard let theirs = remoteRefs[name], theirs != oid else { continue }
            let isAncestor = (try? repository.isAncestor(theirs, of: oid)) ?? false
            if !isAncestor {
                refused[name] = "non-fast-forward: the remote has \(theirs.hex), not an ancestor of \(oid.hex)"
            }
        }
        return refused
    }

    /// Compares every mirrored ref with what the remote advertises.
    func verifySync(with remote: String) async throws -> Choros_V1_SyncReport {
        try await self.pool.read { repository in
            let remoteRefs = try repository.remoteReferences(remote)
            var report = Choros_V1_SyncReport()
            for (name, oid) in try self.mirroredReferences(repository) {
                switch remoteRefs[name] {
                case oid: report.synced.append(name)
                case nil: report.missingOnRemote.append(name)
                default: report.oidMismatch.append(name)
                }
            }
            report.ok = report.missingOnRemote.isEmpty && report.oidMismatch.isEmpty
            return report
        }
    }

    /// Fetches the mirrored namespaces from `remote` (for restore); returns the refs that changed.
    func fetch(from remote: String) async throws -> [(name: String, oid: GitOID)] {
        let index = self.index
        return try await self.pool.write { repository in
            let before = Dictionary(
                uniqueKeysWithValues: try self.mirroredReferences(repository).map { ($0.name, $0.oid) }
            )
            try repository.fetch(StoreConfiguration.mirroredPrefixes.map { $0 + "*" }, from: remote)
            let after = try self.mirroredReferences(repository)
            _ = try index.catchUp(with: repository, refs: after)
            return after.filter { before[$0.name] != $0.oid }
        }
    }
}
