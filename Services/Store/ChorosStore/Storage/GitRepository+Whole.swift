internal import CGit2

extension GitRepository {
    /// Whether `commit` has exactly `parent` as its parent and every object it adds can be
    /// read intact: the commit, each tree and blob that differs from the parent's (libgit2
    /// checks an object's hash as it reads it). The cost is the change, not the tree.
    func isWhole(_ commit: GitOID, parent: GitOID?) -> Bool {
        do {
            guard try self.parents(of: commit) == (parent.map { [$0] } ?? []) else { return false }
            let old = try parent.map { try self.tree(ofCommit: $0) }
            for change in try self.treeChanges(from: old, to: try self.tree(ofCommit: commit)).values {
                if let blob = change.oid { _ = try self.blobContent(blob) }
            }
            return true
        } catch {
            return false
        }
    }
}
