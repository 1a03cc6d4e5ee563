internal import CGit2

extension GitRepository {
    /// The oid a ref points at, or nil when the ref does not exist.
    func target(ofRef name: String) throws -> GitOID? {
        var oid = git_oid()
        let status = git_reference_name_to_id(&oid, self.pointer, name)
        if status == GIT_ENOTFOUND.rawValue { return nil }
        if status == GIT_EINVALIDSPEC.rawValue {
            throw StoreError.invalidRef(name, reason: "not a valid reference name")
        }
        try StoreError.check(status, "resolve \(name)")
        return GitOID(oid)
    }

    /// A ref name or a 40-hex commit id, resolved to a commit that exists.
    ///
    /// - Throws: `StoreError.noSuchRef` or `.noSuchCommit` (told apart for the caller).
    func resolve(_ rev: String) throws -> GitOID {
        if let oid = GitOID(hex: rev) {
            _ = try self.commit(oid)
            return oid
        }
        guard rev.hasPrefix("refs/") else {
            throw StoreError.invalidRef(rev, reason: "expected a full ref name or a commit id")
        }
        guard let oid = try self.target(ofRef: rev) else { throw StoreError.noSuchRef(rev) }
        return oid
    }

    func commit(_ oid: GitOID) throws -> GitObject {
        var raw = oid.raw
        var pointer: OpaquePointer?
        let status = git_commit_lookup(&pointer, self.pointer, &raw)
        if status == GIT_ENOTFOUND.rawValue { throw StoreError.noSuchCommit(oid.hex) }
        try StoreError.check(status, "look up commit \(oid)")
        guard let pointer else { throw StoreError.noSuchCommit(oid.hex) }
        return GitObject(pointer, free: git_commit_free)
    }

    func tree(ofCommit oid: GitOID) throws -> GitObject {
        let commit = try self.commit(oid)
        var pointer: OpaquePointer?
        try StoreError.check(git_commit_tree(&pointer, commit.pointer), "read tree of \(oid)")
        guard let pointer else { throw StoreError.noSuchCommit(oid.hex) }
        return GitObject(pointer, free: git_tree_free)
    }

    /// The entry at `path` in `tree`, or nil.
    func entry(_ path: String, in tree: GitObject) throws -> GitObject? {
        var pointer: OpaquePointer?
        let status = git_tree_entry_bypath(&pointer, tree.pointer, path)
        if status == GIT_ENOTFOUND.rawValue { return nil }
        try StoreError.check(status, "find \(path)")
        return pointer.map { GitObject($0, free: git_tree_entry_free) }
    }

    /// The blob id and content at `path` in `commit`.
    func blob(at path: String, commit: GitOID, rev: String) throws -> (oid: GitOID, content: [UInt8]) {
        let tree = try self.tree(ofCommit: commit)
        guard let entry = try self.entry(path, in: tree), git_tree_entry_type(entry.pointer) == GIT_OBJECT_BLOB else {
            throw StoreError.noSuchPath(path: path, rev: rev)
        }
        guard let id = git_tree_entry_id(entry.pointer) else { throw StoreError.noSuchPath(path: path, rev: rev) }
        let oid = GitOID(id.pointee)
        return (oid, try self.blobContent(oid))
    }

    /// A file's content at a commit, or nil when the path is not a file there.
    func content(at path: String, commit: GitOID) throws -> [UInt8]? {
        try self.blobOID(at: path, commit: commit).map { try self.blobContent($0) }
    }

    func blobContent(_ oid: GitOID) throws -> [UInt8] {
        var raw = oid.raw
        var blob: OpaquePointer?
        try StoreError.check(git_blob_lookup(&blob, self.pointer, &raw), "read blob \(oid.hex)")
        guard let blob else { throw StoreError.noSuchCommit(oid.hex) }
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        return git_blob_rawcontent(blob).map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
    }

    /// The commit's author name, subject, time and trailers.
    func summary(of oid: GitOID) throws -> CommitSummary {
        let commit = try self.commit(oid)
        let message = git_commit_message(commit.pointer).map { String(cString: $0) } ?? ""
        let author = git_commit_author(commit.pointer).flatMap { $0.pointee.name.map { String(cString: $0) } } ?? ""
        let time = git_commit_time(commit.pointer)
        return CommitSummary(oid: oid, author: author, message: message, timeMilliseconds: Int64(time) * 1000)
    }

    func parents(of oid: GitOID) throws -> [GitOID] {
        let commit = try self.commit(oid)
        let count = git_commit_parentcount(commit.pointer)
        return (0..<count).compactMap { git_commit_parent_id(commit.pointer, $0).map { GitOID($0.pointee) } }
    }
}

/// What a history listing shows of a commit.
struct CommitSummary {
    var oid: GitOID
    var author: String
    var message: String
    var timeMilliseconds: Int64

    var subject: String { String(self.message.prefix { $0 != "\n" }) }

    /// A `key: value` trailer of the message (`op-id`, `key`, `instance-id`).
    func trailer(_ name: String) -> String? {
        for line in self.message.split(separator: "\n").reversed() where line.hasPrefix(name + ": ") {
            return String(line.dropFirst(name.count + 2))
        }
        return nil
    }
}

extension StoreError {
    /// Throws `.git` with libgit2's message when `status` is an error.
    static func check(_ status: Int32, _ operation: String) throws {
        guard status < 0 else { return }
        throw StoreError.git(GitError.last(status, operation: operation))
    }
}
