internal import CGit2

/// What merging a proposal into canon would do, pinned to both tips' oids.
struct MergeAnalysis: Sendable {
    var canon: GitOID
    var proposal: GitOID
    var conflicts: [String]
    /// The merged tree; nil when there are conflicts.
    var tree: GitOID?
    var changes: PathChanges
    var authors: [String]
}

extension GitRepository {
    /// Merges in memory (nothing referenced is created; tree objects written for a clean
    /// merge are unreferenced until a candidate commit uses them).
    func analyzeMerge(canon: GitOID, proposal: GitOID) throws -> MergeAnalysis {
        let authors = Set(try self.commits(from: proposal, hiding: canon).map { try self.summary(of: $0).author })
            .sorted()
        if let analysis = try self.analyzeMergeByChanges(canon: canon, proposal: proposal, authors: authors) {
            return analysis
        }
        // No common history: libgit2's full merge.
        let ours = try self.commit(canon)
        let theirs = try self.commit(proposal)
        var index: OpaquePointer?
        try StoreError.check(git_merge_commits(&index, self.pointer, ours.pointer, theirs.pointer, nil), "merge")
        defer { git_index_free(index) }
        if git_index_has_conflicts(index) == 1 {
            return MergeAnalysis(
                canon: canon,
                proposal: proposal,
                conflicts: try Self.conflictPaths(index),
                tree: nil,
                changes: PathChanges(added: [], removed: [], modified: []),
                authors: authors
            )
        }
        var treeRaw = git_oid()
        try StoreError.check(git_index_write_tree_to(&treeRaw, index, self.pointer), "write merged tree")
        var merged: OpaquePointer?
        try StoreError.check(git_tree_lookup(&merged, self.pointer, &treeRaw), "read merged tree")
        guard let merged else {
            throw StoreError.git(GitError(operation: "read merged tree", code: -1, message: "missing"))
        }
        let changes = try self.changes(from: try self.tree(ofCommit: canon), to: GitObject(merged, free: git_tree_free))
        return MergeAnalysis(
            canon: canon,
            proposal: proposal,
            conflicts: [],
            tree: GitOID(treeRaw),
            changes: changes,
            authors: authors
        )
    }

    private static func conflictPaths(_ index: OpaquePointer?) throws -> [String] {
        var iterator: OpaquePointer?
        try StoreError.check(git_index_conflict_iterator_new(&iterator, index), "list conflicts")
        defer { git_index_conflict_iterator_free(iterator) }
        var paths: Set<String> = []
        var ancestor: UnsafePointer<git_index_entry>?
        var ours: UnsafePointer<git_index_entry>?
        var theirs: UnsafePointer<git_index_entry>?
        while git_index_conflict_next(&ancestor, &ours, &theirs, iterator) == 0 {
            if let entry = ours ?? theirs ?? ancestor, let path = entry.pointee.path {
                paths.insert(String(cString: path))
            }
        }
        return paths.sorted()
    }
}
