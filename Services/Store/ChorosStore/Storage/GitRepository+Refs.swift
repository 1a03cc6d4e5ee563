internal import CGit2

extension GitRepository {
    /// Every direct reference whose name starts with `prefix`, sorted by name. libgit2 walks
    /// only the prefix's directory for a glob, so listing the state tags reads the state tags,
    /// not the thousands of proposal refs beside them. A prefix with glob characters (no ref
    /// name has any) is listed the long way.
    func references(withPrefix prefix: String) throws -> [(name: String, oid: GitOID)] {
        var iterator: OpaquePointer?
        if prefix.contains(where: { "*?[\\".contains($0) }) {
            try StoreError.check(git_reference_iterator_new(&iterator, self.pointer), "list refs")
        } else {
            try StoreError.check(
                git_reference_iterator_glob_new(&iterator, self.pointer, prefix + "*"),
                "list refs under \(prefix)"
            )
        }
        defer { git_reference_iterator_free(iterator) }
        var result: [(name: String, oid: GitOID)] = []
        var reference: OpaquePointer?
        while git_reference_next(&reference, iterator) == 0 {
            defer { git_reference_free(reference) }
            guard let reference, let name = git_reference_name(reference).map({ String(cString: $0) }),
                name.hasPrefix(prefix), let target = git_reference_target(reference)
            else { continue }
            result.append((name, GitOID(target.pointee)))
        }
        return result.sorted { $0.name < $1.name }
    }

    /// Creates `ref` at `oid`; refuses if it exists (create-only).
    func createReference(_ ref: String, at oid: GitOID) throws {
        _ = try self.commit(oid)
        try self.moveRef(ref, to: oid, from: nil)
    }

    func deleteReference(_ ref: String) throws {
        try StoreError.check(git_reference_remove(self.pointer, ref), "delete \(ref)")
    }

    /// `ancestor` is `descendant` or reachable from it.
    func isAncestor(_ ancestor: GitOID, of descendant: GitOID) throws -> Bool {
        if ancestor == descendant { return true }
        var a = descendant.raw
        var b = ancestor.raw
        let result = git_graph_descendant_of(self.pointer, &a, &b)
        try StoreError.check(result, "compare \(ancestor) and \(descendant)")
        return result == 1
    }
}
