internal import CGit2

extension GitRepository {
    /// Blob paths under `prefix` (a directory; empty for the root) in `commit`'s tree, walking
    /// only that subtree.
    func paths(in commit: GitOID, prefix: String, recursive: Bool, rev: String) throws -> [String] {
        try self.files(in: commit, prefix: prefix, recursive: recursive, rev: rev).map(\.path)
    }

    /// The blobs under `prefix`, each with its id (read from the tree entries: no blob is opened).
    func files(in commit: GitOID, prefix: String, recursive: Bool, rev: String) throws -> [(path: String, oid: GitOID)]
    {
        let root = try self.tree(ofCommit: commit)
        var subtree = root
        if !prefix.isEmpty {
            guard let entry = try self.entry(prefix, in: root), git_tree_entry_type(entry.pointer) == GIT_OBJECT_TREE
            else {
                throw StoreError.noSuchPath(path: prefix, rev: rev)
            }
            var object: OpaquePointer?
            try StoreError.check(git_tree_entry_to_object(&object, self.pointer, entry.pointer), "open \(prefix)")
            guard let object else { throw StoreError.noSuchPath(path: prefix, rev: rev) }
            subtree = GitObject(object, free: git_object_free)
        }
        let base = prefix.isEmpty ? "" : prefix + "/"
        guard recursive else {
            return (0..<git_tree_entrycount(subtree.pointer)).compactMap { index in
                guard let entry = git_tree_entry_byindex(subtree.pointer, index),
                    git_tree_entry_type(entry) == GIT_OBJECT_BLOB, let id = git_tree_entry_id(entry)
                else { return nil }
                return (base + String(cString: git_tree_entry_name(entry)), GitOID(id.pointee))
            }
        }
        final class Collector { var files: [(path: String, oid: GitOID)] = [] }
        let collector = Collector()
        let status = git_tree_walk(
            subtree.pointer,
            GIT_TREEWALK_PRE,
            { root, entry, payload in
                guard let entry, let payload, git_tree_entry_type(entry) == GIT_OBJECT_BLOB,
                    let id = git_tree_entry_id(entry)
                else { return 0 }
                let collector = Unmanaged<Collector>.fromOpaque(payload).takeUnretainedValue()
                collector.files.append(
                    (String(cString: root!) + String(cString: git_tree_entry_name(entry)), GitOID(id.pointee))
                )
                return 0
            },
            Unmanaged.passUnretained(collector).toOpaque()
        )
        try StoreError.check(status, "walk \(rev)")
        return collector.files.map { (base + $0.path, $0.oid) }
    }

    /// Commits of `tip` newest first; with a path, only those that changed it (vs. the first
    /// parent). Stops after `limit` matches.
    func history(from tip: GitOID, path: String, limit: Int) throws -> [CommitSummary] {
        var walk: OpaquePointer?
        try StoreError.check(git_revwalk_new(&walk, self.pointer), "walk history")
        defer { git_revwalk_free(walk) }
        git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue)
        var raw = tip.raw
        try StoreError.check(git_revwalk_push(walk, &raw), "walk from \(tip)")
        var result: [CommitSummary] = []
        var next = git_oid()
        while result.count < limit, git_revwalk_next(&next, walk) == 0 {
            let oid = GitOID(next)
            if !path.isEmpty {
                let here = try self.blobOID(at: path, commit: oid)
                let before = try self.parents(of: oid).first.flatMap { try self.blobOID(at: path, commit: $0) }
                guard here != before else { continue }
            }
            result.append(try self.summary(of: oid))
        }
        return result
    }

    func blobOID(at path: String, commit: GitOID) throws -> GitOID? {
        let tree = try self.tree(ofCommit: commit)
        guard let entry = try self.entry(path, in: tree), let id = git_tree_entry_id(entry.pointer) else { return nil }
        return GitOID(id.pointee)
    }

    /// Paths added, removed and modified from `from` to `to` (no rename detection: a rename
    /// is a removal plus an addition). libgit2 skips subtrees whose ids match, so the cost is
    /// the size of the change, not of the tree.
    func changes(from: GitOID, to: GitOID) throws -> PathChanges {
        try self.changes(from: try self.tree(ofCommit: from), to: try self.tree(ofCommit: to))
    }

    func changes(from old: GitObject, to new: GitObject) throws -> PathChanges {
        try self.pathChanges(from: old, to: new)
    }

    /// Commits reachable from `tip` and not from `hidden`, newest first.
    func commits(from tip: GitOID, hiding hidden: GitOID?) throws -> [GitOID] {
        var walk: OpaquePointer?
        try StoreError.check(git_revwalk_new(&walk, self.pointer), "walk commits")
        defer { git_revwalk_free(walk) }
        git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue)
        var raw = tip.raw
        try StoreError.check(git_revwalk_push(walk, &raw), "walk from \(tip)")
        if var hiddenRaw = hidden?.raw {
            try StoreError.check(git_revwalk_hide(walk, &hiddenRaw), "hide \(hidden?.hex ?? "")")
        }
        var result: [GitOID] = []
        var next = git_oid()
        while git_revwalk_next(&next, walk) == 0 { result.append(GitOID(next)) }
        return result
    }
}

/// Paths added, removed and modified between two trees.
struct PathChanges: Sendable {
    var added: [String]
    var removed: [String]
    var modified: [String]
}
