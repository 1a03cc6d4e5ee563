internal import CGit2
internal import ChorosCore
internal import ChorosWire
internal import CoreMetrics
internal import Foundation

/// One commit to make: the changes, who, and the compare-and-swap condition.
struct CommitPlan {
    var ref: String
    /// Path → new content, or nil to delete.
    var changes: [(path: EntryPath, content: [UInt8]?)]
    var message: String
    var authorName: String
    var committerName: String
    var committerEmail: String
    /// nil: the ref must not exist yet.
    var expectedParent: GitOID?
}

struct CommitOutcome {
    var commit: GitOID
    var parent: GitOID?
    var blobs: [(path: String, oid: GitOID?)]
}

extension GitRepository {
    /// Builds the new tree from the parent's tree plus the changes (libgit2's tree-update API:
    /// only the touched subtrees are rewritten), creates the commit with the old tip as its
    /// only parent, and moves the ref by compare-and-swap.
    ///
    /// - Throws: `StoreError.refExists`, `.noParent`, `.staleParent` or `.lostRace` (all
    ///   ABORTED) when the ref is not where the plan expects; `.noSuchPath` for deleting a
    ///   path that is not there.
    func commit(_ plan: CommitPlan) throws -> CommitOutcome {
        let tip = try self.target(ofRef: plan.ref)
        let outcome = try self.stage(plan, tip: tip)
        try self.moveRef(plan.ref, to: outcome.commit, from: tip)
        return outcome
    }

    /// The commit's objects on `tip` (the ref's tip as the caller knows it), checked against
    /// the plan's expected parent; the ref is the caller's to move.
    func stage(_ plan: CommitPlan, tip: GitOID?) throws -> CommitOutcome {
        switch (plan.expectedParent, tip) {
        case (nil, let tip?): throw StoreError.refExists(ref: plan.ref, actual: tip.hex)
        case (let expected?, nil): throw StoreError.noParent(ref: plan.ref, expected: expected.hex)
        case (let expected?, let tip?) where expected != tip:
            throw StoreError.staleParent(ref: plan.ref, expected: expected.hex, actual: tip.hex)
        default: break
        }
        let (tree, blobs) = try self.writeTree(applying: plan.changes, onto: tip, ref: plan.ref)
        let commit = try self.writeCommit(tree: tree, parents: tip.map { [$0] } ?? [], plan: plan)
        return CommitOutcome(commit: commit, parent: tip, blobs: blobs)
    }

    func writeTree(
        applying changes: [(path: EntryPath, content: [UInt8]?)],
        onto parent: GitOID?,
        ref: String
    ) throws -> (GitOID, [(path: String, oid: GitOID?)]) {
        let baseline = try parent.map { try self.tree(ofCommit: $0) }
        var blobs: [(path: String, oid: GitOID?)] = []
        var updates: [git_tree_update] = []
        var paths: [UnsafeMutablePointer<CChar>] = []
        defer { for path in paths { free(path) } }
        for change in changes {
            guard let path = strdup(change.path.rawValue) else {
                throw StoreError.git(GitError(operation: "strdup", code: -1, message: "out of memory"))
            }
            paths.append(path)
            var update = git_tree_update()
            update.path = UnsafePointer(path)
            if let content = change.content {
                var blob = git_oid()
                try StoreError.check(
                    content.withUnsafeBytes {
                        git_blob_create_from_buffer(&blob, self.pointer, $0.baseAddress, $0.count)
                    },
                    "write blob \(change.path)"
                )
                update.action = GIT_TREE_UPDATE_UPSERT
                update.id = blob
                update.filemode = GIT_FILEMODE_BLOB
                blobs.append((change.path.rawValue, GitOID(blob)))
            } else {
                if let baseline, try self.entry(change.path.rawValue, in: baseline) == nil {
                    throw StoreError.noSuchPath(path: change.path.rawValue, rev: ref)
                } else if baseline == nil {
                    throw StoreError.noSuchPath(path: change.path.rawValue, rev: ref)
                }
                update.action = GIT_TREE_UPDATE_REMOVE
                blobs.append((change.path.rawValue, nil))
            }
            updates.append(update)
        }
        var tree = git_oid()
        try StoreError.check(
            git_tree_create_updated(&tree, self.pointer, baseline?.pointer, updates.count, &updates),
            "build tree for \(ref)"
        )
        return (GitOID(tree), blobs)
    }

    func writeCommit(tree treeOID: GitOID, parents: [GitOID], plan: CommitPlan) throws -> GitOID {
        var rawTree = treeOID.raw
        var tree: OpaquePointer?
        try StoreError.check(git_tree_lookup(&tree, self.pointer, &rawTree), "look up new tree")
        defer { git_tree_free(tree) }
        let now = git_time_t(Date().timeIntervalSince1970)
        var author: UnsafeMutablePointer<git_signature>?
        try StoreError.check(
            git_signature_new(&author, plan.authorName, "\(plan.authorName)@choros.local", now, 0),
            "author signature"
        )
        defer { git_signature_free(author) }
        var committer: UnsafeMutablePointer<git_signature>?
        try StoreError.check(
            git_signature_new(&committer, plan.committerName, plan.committerEmail, now, 0),
            "committer signature"
        )
        defer { git_signature_free(committer) }
        let parentObjects = try parents.map { try self.commit($0) }
        var parentPointers: [OpaquePointer?] = parentObjects.map(\.pointer)
        var commit = git_oid()
        let status = parentPointers.withUnsafeMutableBufferPointer { buffer in
            git_commit_create(
                &commit,
                self.pointer,
                nil,
                author,
                committer,
                "UTF-8",
                plan.message,
                tree,
                buffer.count,
                buffer.baseAddress
            )
        }
        try StoreError.check(status, "create commit on \(plan.ref)")
        return GitOID(commit)
    }

    /// Points `ref` at `new`: compare-and-swap from `old`, or create-only when `old` is nil.
    func moveRef(_ ref: String, to new: GitOID, from old: GitOID?) throws {
        var newRaw = new.raw
        var reference: OpaquePointer?
        defer { git_reference_free(reference) }
        if var oldRaw = old?.raw {
            let status = git_reference_create_matching(&reference, self.pointer, ref, &newRaw, 1, &oldRaw, "choros")
            if status == GIT_EMODIFIED.rawValue { throw StoreError.lostRace(ref: ref) }
            if status == GIT_ELOCKED.rawValue { throw StoreError.refLocked(ref: ref) }
            try StoreError.check(status, "update \(ref)")
        } else {
            let status = git_reference_create(&reference, self.pointer, ref, &newRaw, 0, "choros")
            if status == GIT_ELOCKED.rawValue { throw StoreError.refLocked(ref: ref) }
            if status == GIT_EEXISTS.rawValue {
                throw StoreError.refExists(ref: ref, actual: (try? self.target(ofRef: ref))??.hex ?? "another commit")
            }
            try StoreError.check(status, "create \(ref)")
        }
    }
}

extension GitRepository {
    /// syncfs(2) on the repository's filesystem: everything written so far is durable.
    func syncFilesystem() throws {
        try Self.syncFilesystem(holding: self.path)
    }

    /// syncfs(2) on the filesystem holding the directory `path`.
    static func syncFilesystem(holding path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.failure("open \(path)") }
        defer { close(descriptor) }
        let started = ContinuousClock.now
        defer { Timer(label: "choros_fsync_duration_seconds").recordDuration(since: started) }
        guard choros_syncfs(descriptor) == 0 else { throw Self.failure("syncfs \(path)") }
    }

    private static func failure(_ operation: String) -> StoreError {
        .git(GitError(operation: operation, code: errno, message: String(cString: strerror(errno))))
    }
}
