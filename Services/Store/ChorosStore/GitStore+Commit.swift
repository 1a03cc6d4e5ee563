internal import ChorosCore
internal import ChorosProto

/// A commit's result: the commit, whether it was a replay, and the blobs it wrote.
struct CommitResult: Sendable {
    var commit: GitOID
    var parent: GitOID?
    var isReplay: Bool
    var blobs: [(path: String, oid: GitOID?)]
}

extension GitStore {
    /// STORE.md's Commit: canon refused; a known op id or request key returns the original
    /// commit; compare-and-swap on the expected parent; trailers carry op id, key and author.
    func commit(_ request: Choros_V1_CommitRequest) async throws -> CommitResult {
        try self.validateWritable(request.ref)
        let changes = try request.changes.map { change in
            (path: try Self.validate(change.path), content: change.delete ? nil : [UInt8](change.content))
        }
        let expectedParent =
            try request.expectedParent.isEmpty ? nil : Self.oid(request.expectedParent, field: "expected_parent")
        guard !request.author.isEmpty, (try? InstanceName(request.author)) != nil else {
            throw StoreError.invalidRef(request.author, reason: "author must be an instance name")
        }
        var message = (request.subject.isEmpty ? "KIP \(changes.first?.path.rawValue ?? "")" : request.subject) + "\n\n"
        if !request.opID.isEmpty { message += "op-id: \(request.opID)\n" }
        if !request.requestKey.isEmpty { message += "key: \(request.requestKey)\n" }
        message += "instance-id: \(request.author)\n"
        let plan = CommitPlan(
            ref: request.ref,
            changes: changes,
            message: message,
            authorName: request.author,
            committerName: self.configuration.committerName,
            committerEmail: self.configuration.committerEmail,
            expectedParent: expectedParent
        )
        let index = self.index
        let (opID, key) = (request.opID, request.requestKey)
        return try await self.pool.write { repository in
            if let original = (opID.isEmpty ? nil : index.entry(forOpID: opID))
                ?? (key.isEmpty ? nil : index.entry(forKey: key, on: plan.ref))
            {
                return try Self.replay(original, paths: plan.changes.map(\.path.rawValue), repository: repository)
            }
            let outcome = try repository.commit(plan)
            try index.record(OpIndex.Entry(commit: outcome.commit, ref: plan.ref, opID: opID, key: key))
            return CommitResult(commit: outcome.commit, parent: outcome.parent, isReplay: false, blobs: outcome.blobs)
        }
    }

    /// The original commit of a retried op, with the blob ids it wrote, changing nothing. The
    /// caller compares them with its request to refuse "same key, different content".
    private static func replay(
        _ original: OpIndex.Entry,
        paths: [String],
        repository: GitRepository
    ) throws -> CommitResult {
        let blobs = try paths.map { (path: $0, oid: try repository.blobOID(at: $0, commit: original.commit)) }
        let parent = try repository.parents(of: original.commit).first
        return CommitResult(commit: original.commit, parent: parent, isReplay: true, blobs: blobs)
    }

    /// Seeds canon once from `files`; refused when canon exists.
    func bootstrap(files: [Choros_V1_FileChange], author: String) async throws -> GitOID {
        let changes = try files.map { (path: try Self.validate($0.path), content: Optional([UInt8]($0.content))) }
        let canonRef = self.configuration.canonRef
        let plan = CommitPlan(
            ref: canonRef,
            changes: changes,
            message: "Bootstrap canon\n\ninstance-id: \(author.isEmpty ? "practitioner" : author)\n",
            authorName: author.isEmpty ? "practitioner" : author,
            committerName: self.configuration.committerName,
            committerEmail: self.configuration.committerEmail,
            expectedParent: nil
        )
        let index = self.index
        return try await self.pool.write { repository in
            if let existing = try repository.target(ofRef: canonRef) { throw StoreError.canonExists(existing.hex) }
            let outcome = try repository.commit(plan)
            try index.record(OpIndex.Entry(commit: outcome.commit, ref: canonRef, opID: "", key: ""))
            return outcome.commit
        }
    }

    func createBranch(_ ref: String, at oidText: String) async throws {
        try self.validateWritable(ref)
        let oid = try Self.oid(oidText, field: "oid")
        try await self.pool.write { try $0.createReference(ref, at: oid) }
    }

    /// Create-only; the same name at the same oid is a no-op (returns true), at another oid
    /// an integrity error.
    func createTag(_ name: String, at oidText: String) async throws -> Bool {
        let ref = "refs/tags/" + name
        guard Self.isValidReferenceName(ref) else { throw StoreError.invalidRef(ref, reason: "not a valid tag name") }
        let oid = try Self.oid(oidText, field: "oid")
        return try await self.pool.write { repository in
            if let existing = try repository.target(ofRef: ref) {
                guard existing == oid else {
                    throw StoreError.tagMoved(name: name, existing: existing.hex, requested: oid.hex)
                }
                return true
            }
            try repository.createReference(ref, at: oid)
            return false
        }
    }
}
