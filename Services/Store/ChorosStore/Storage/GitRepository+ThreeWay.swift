internal import CGit2
internal import Foundation

/// One path's change between two trees: its new blob and mode, or nil for a deletion.
struct TreeChange: Equatable {
    var oid: GitOID?
    var mode: git_filemode_t
}

extension GitRepository {
    /// A three-way merge that costs what changed, not what exists: the proposal's changes
    /// since the merge base are applied onto canon's tree with libgit2's tree-update API.
    /// A path both sides changed differently is a conflict. (`git_merge_commits` builds an
    /// index of every path, so a land over 100,000 canon entries paid for all of them.)
    func analyzeMergeByChanges(canon: GitOID, proposal: GitOID, authors: [String]) throws -> MergeAnalysis? {
        guard let base = try self.mergeBase(canon, proposal) else { return nil }
        let baseTree = try self.tree(ofCommit: base)
        let canonTree = try self.tree(ofCommit: canon)
        let theirs = try self.treeChanges(from: baseTree, to: try self.tree(ofCommit: proposal))
        let ours = try self.treeChanges(from: baseTree, to: canonTree)
        var conflicts: [String] = []
        var pending: [(path: String, change: TreeChange)] = []
        for (path, change) in theirs.sorted(by: { $0.key < $1.key }) {
            if let mine = ours[path] {
                if mine.oid != change.oid { conflicts.append(path) }
                continue  // both made the same change: canon already has it
            }
            pending.append((path, change))
        }
        guard conflicts.isEmpty else {
            return MergeAnalysis(
                canon: canon,
                proposal: proposal,
                conflicts: conflicts,
                tree: nil,
                changes: PathChanges(added: [], removed: [], modified: []),
                authors: authors
            )
        }
        var added: [String] = []
        var removed: [String] = []
        var modified: [String] = []
        var paths: [UnsafeMutablePointer<CChar>] = []
        defer { for path in paths { free(path) } }
        var updates: [git_tree_update] = []
        for (path, change) in pending {
            let inCanon = try self.entry(path, in: canonTree) != nil
            guard let copy = strdup(path) else {
                throw StoreError.git(GitError(operation: "strdup", code: -1, message: "out of memory"))
            }
            paths.append(copy)
            var update = git_tree_update()
            update.path = UnsafePointer(copy)
            if let oid = change.oid {
                update.action = GIT_TREE_UPDATE_UPSERT
                update.id = oid.raw
                update.filemode = change.mode
                if inCanon { modified.append(path) } else { added.append(path) }
            } else {
                guard inCanon else { continue }
                update.action = GIT_TREE_UPDATE_REMOVE
                removed.append(path)
            }
            updates.append(update)
        }
        var tree = git_oid()
        try StoreError.check(
            git_tree_create_updated(&tree, self.pointer, canonTree.pointer, updates.count, &updates),
            "build merged tree"
        )
        return MergeAnalysis(
            canon: canon,
            proposal: proposal,
            conflicts: [],
            tree: GitOID(tree),
            changes: PathChanges(added: added, removed: removed, modified: modified),
            authors: authors
        )
    }

    func mergeBase(_ one: GitOID, _ other: GitOID) throws -> GitOID? {
        var base = git_oid()
        var first = one.raw
        var second = other.raw
        let status = git_merge_base(&base, self.pointer, &first, &second)
        if status == GIT_ENOTFOUND.rawValue { return nil }
        try StoreError.check(status, "merge base")
        return GitOID(base)
    }

    /// Blob changes between two trees, keyed by path.
    func treeChanges(from old: GitObject, to new: GitObject) throws -> [String: TreeChange] {
        var changes: [String: TreeChange] = [:]
        try self.walkChanges(old.pointer, new.pointer, prefix: "") { path, _, change in changes[path] = change }
        return changes
    }

    /// Added, removed and modified paths between two trees.
    func pathChanges(from old: GitObject, to new: GitObject) throws -> PathChanges {
        var result = PathChanges(added: [], removed: [], modified: [])
        try self.walkChanges(old.pointer, new.pointer, prefix: "") { path, existed, change in
            if change.oid == nil {
                result.removed.append(path)
            } else if existed {
                result.modified.append(path)
            } else {
                result.added.append(path)
            }
        }
        return result
    }

    /// Walks two trees side by side in name order, descending only into subtrees whose ids
    /// differ: the cost is the changed paths (times their directories), never the whole tree.
    /// libgit2's tree-to-tree diff visits every entry, which made each land cost the canon.
    private func walkChanges(
        _ old: OpaquePointer?,
        _ new: OpaquePointer?,
        prefix: String,
        _ report: (_ path: String, _ existed: Bool, _ change: TreeChange) throws -> Void
    ) throws {
        let oldEntries = Self.entries(of: old)
        let newEntries = Self.entries(of: new)
        var oldIndex = 0
        var newIndex = 0
        while oldIndex < oldEntries.count || newIndex < newEntries.count {
            let oldEntry = oldIndex < oldEntries.count ? oldEntries[oldIndex] : nil
            let newEntry = newIndex < newEntries.count ? newEntries[newIndex] : nil
            let order: Int
            switch (oldEntry, newEntry) {
            case (let o?, let n?):
                order = o.key == n.key ? 0 : (o.key.lexicographicallyPrecedes(n.key) ? -1 : 1)
            case (_?, nil): order = -1
            default: order = 1
            }
            // A name that is a file on one side and a directory on the other has two keys,
            // so it shows as a removal plus an addition, as git's own diff shows it.
            if order == 0, let o = oldEntry, let n = newEntry {
                oldIndex += 1
                newIndex += 1
                guard o.oid != n.oid || o.mode != n.mode else { continue }
                try self.changed(prefix + o.name, old: o, new: n, report)
            } else if order < 0, let o = oldEntry {
                oldIndex += 1
                try self.changed(prefix + o.name, old: o, new: nil, report)
            } else if let n = newEntry {
                newIndex += 1
                try self.changed(prefix + n.name, old: nil, new: n, report)
            }
        }
    }

    private func changed(
        _ path: String,
        old: TreeEntry?,
        new: TreeEntry?,
        _ report: (_ path: String, _ existed: Bool, _ change: TreeChange) throws -> Void
    ) throws {
        let oldTree = try old.flatMap { $0.isTree ? try self.lookupTree($0.oid) : nil }
        let newTree = try new.flatMap { $0.isTree ? try self.lookupTree($0.oid) : nil }
        if oldTree != nil || newTree != nil {
            try self.walkChanges(oldTree?.pointer, newTree?.pointer, prefix: path + "/", report)
        }
        let oldBlob = old.flatMap { $0.isTree ? nil : $0 }
        let newBlob = new.flatMap { $0.isTree ? nil : $0 }
        if let newBlob {
            try report(path, oldBlob != nil, TreeChange(oid: newBlob.oid, mode: newBlob.mode))
        } else if oldBlob != nil {
            try report(path, true, TreeChange(oid: nil, mode: GIT_FILEMODE_BLOB))
        }
    }

    private struct TreeEntry {
        var name: String
        var oid: GitOID
        var mode: git_filemode_t
        var isTree: Bool { self.mode == GIT_FILEMODE_TREE }
        /// Git's tree order: bytes, with a directory sorting as if its name ended in '/'.
        var key: [UInt8] { Array(self.name.utf8) + (self.isTree ? [0x2F] : []) }
    }

    private static func entries(of tree: OpaquePointer?) -> [TreeEntry] {
        guard let tree else { return [] }
        return (0..<git_tree_entrycount(tree)).compactMap { index in
            guard let entry = git_tree_entry_byindex(tree, index), let id = git_tree_entry_id(entry) else { return nil }
            return TreeEntry(
                name: String(cString: git_tree_entry_name(entry)),
                oid: GitOID(id.pointee),
                mode: git_tree_entry_filemode(entry)
            )
        }
    }

    private func lookupTree(_ oid: GitOID) throws -> GitObject {
        var raw = oid.raw
        var pointer: OpaquePointer?
        try StoreError.check(git_tree_lookup(&pointer, self.pointer, &raw), "read tree \(oid)")
        guard let pointer else { throw StoreError.noSuchCommit(oid.hex) }
        return GitObject(pointer, free: git_tree_free)
    }
}
