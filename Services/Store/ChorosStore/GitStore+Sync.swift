internal import ChorosCore
internal import ChorosProto
internal import Foundation

extension GitStore {
    private func mirroredReferences(_ repository: GitRepository) throws -> [(name: String, oid: GitOID)] {
        try StoreConfiguration.mirroredPrefixes.flatMap { try repository.references(withPrefix: $0) }
    }

    /// Pushes every head, `refs/cap/*` and state tag, then verifies by listing the remote.
    ///
    /// A push only reads this repository, so it runs off the writer, on a thread of its own that
    /// runs pushes one at a time. A local mirror (a backup) takes the object files it lacks as
    /// they are (`mirror(_:toLocal:)`); a network remote gets libgit2's push, which packs.
    /// A batch turns libgit2's fsync off process-wide while it runs, so what the push wrote to a
    /// local mirror is synced by the mirror itself instead.
    ///
    /// - Throws: `StoreError.pushRejected` naming each refused ref (non-fast-forward).
    func pushAll(to remote: String) async throws -> Choros_V1_SyncReport {
        try self.checkMirrorDestination(remote)
        let rejected = try await self.pool.mirror { repository in
            let local = try self.mirroredReferences(repository)
            let nonFastForward = try Self.nonFastForward(local, remote: remote, repository: repository)
            guard nonFastForward.isEmpty else { return nonFastForward }
            if let path = Self.localPath(remote) { return try repository.mirror(local, toLocal: path) }
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

    /// Every ref leaves only for a place the practitioner named (TRUST.md): a local path under
    /// `backup_dirs`, or a network remote listed in `mirror_remotes`.
    private func checkMirrorDestination(_ remote: String) throws {
        if self.configuration.mirrorRemotes.contains(remote) { return }
        guard let local = Self.localPath(remote) else {
            throw StoreError.unauthorized("\(remote.prefix(200)) is not one of the configured mirror_remotes")
        }
        do { _ = try ConfinedPath.check(local, within: self.configuration.backupDirectories) } catch {
            throw StoreError.unauthorized("\(error)")
        }
    }

    /// The directory a local remote (a path or a `file://` URL) names; nil for a network remote.
    private static func localPath(_ remote: String) -> String? {
        let local = remote.hasPrefix("file://") ? String(remote.dropFirst("file://".count)) : remote
        return local.hasPrefix("/") ? local : nil
    }

    /// Where fetched refs land: under their own names, below this prefix, never live.
    static let fetchedPrefix = "refs/remotes/fetched/"

    /// Fetches the mirrored namespaces from `remote` into `refs/remotes/fetched/…` for
    /// inspection (TRUST.md: a fetch never moves a live ref); returns the refs that changed. From
    /// a local mirror (a restore's backup) the object files come as they are, then the refs.
    func fetch(from remote: String) async throws -> [(name: String, oid: GitOID)] {
        try await self.pool.write { repository in
            let fetched = { try repository.references(withPrefix: Self.fetchedPrefix) }
            let before = Dictionary(uniqueKeysWithValues: try fetched().map { ($0.name, $0.oid) })
            if let path = Self.localPath(remote) {
                guard FileManager.default.fileExists(atPath: path + "/HEAD") else {
                    throw StoreError.remoteFailed(remote: remote, reason: "no repository at \(path)")
                }
                try repository.takeObjects(fromLocal: path)
                let mirror = try GitRepository.openOrCreate(at: path, canonRef: self.configuration.canonRef)
                for prefix in StoreConfiguration.mirroredPrefixes {
                    for (name, oid) in try mirror.references(withPrefix: prefix) {
                        let copy = Self.fetchedPrefix + name
                        try repository.moveRef(copy, to: oid, from: try repository.target(ofRef: copy))
                    }
                }
            } else {
                try repository.fetch(
                    StoreConfiguration.mirroredPrefixes.map { ($0 + "*", Self.fetchedPrefix + $0 + "*") },
                    from: remote
                )
            }
            return try fetched().filter { before[$0.name] != $0.oid }
        }
    }

    /// Makes the fetched refs live, only into a store with no live ref yet (a restore into a
    /// fresh data directory): a running deployment's refs move only by signed writes.
    func promote() async throws -> [(name: String, oid: GitOID)] {
        let index = self.index
        return try await self.pool.write { repository in
            let live = try self.mirroredReferences(repository)
            guard live.isEmpty else {
                throw StoreError.unauthorized(
                    "promotion fills an empty store only; this one has \(live.count) live refs (\(live[0].name), …)"
                )
            }
            let fetched = try repository.references(withPrefix: Self.fetchedPrefix)
            let promoted = fetched.map { (name: String($0.name.dropFirst(Self.fetchedPrefix.count)), oid: $0.oid) }
                .filter { ref in StoreConfiguration.mirroredPrefixes.contains { ref.name.hasPrefix($0) } }
            for ref in promoted { try repository.createReference(ref.name, at: ref.oid) }
            // Promoted, the copies have served: the store keeps one name per ref.
            for ref in fetched { try repository.deleteReference(ref.name) }
            _ = try index.catchUp(with: repository, refs: promoted)
            return promoted
        }
    }
}
