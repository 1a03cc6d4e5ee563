internal import ChorosCore
internal import ChorosProto
internal import Foundation

/// A commit's result: the commit, whether it was a replay, and the blobs it wrote.
struct CommitResult: Sendable {
    var commit: GitOID
    var parent: GitOID?
    var isReplay: Bool
    var blobs: [(path: String, oid: GitOID?)]
    /// With entry rules: every file as committed, for the caller's index upsert.
    var written: [(path: String, content: [UInt8]?)] = []
    var registryTip: GitOID?
    /// The op that made the commit and its canonical envelope.
    var opID: String = ""
    var envelope: Data = Data()
}

/// A commit request with everything checked that needs no repository.
struct CommitJob: Sendable {
    let request: Choros_V1_CommitRequest
    let changes: [(path: EntryPath, content: [UInt8]?)]
    let expectedParent: GitOID?
    let subject: String
}

extension GitStore {
    /// STORE.md's Commit: canon refused; a known op id or request key returns the original
    /// commit; the signed op is verified here (`WriteAuthority`) and names the author;
    /// compare-and-swap on the expected parent, or with `at_tip` on the tip under the write
    /// lock, the entry rules checked against it; trailers carry op id, key, author and the
    /// envelope itself, so a commit whose audit event was lost can be backfilled whole.
    /// Concurrent commits share one writer turn and its syncs (`CommitBatch`).
    func commit(_ request: Choros_V1_CommitRequest) async throws -> CommitResult {
        try self.validateWritable(request.ref)
        // The key goes into a trailer and an op-index line: a newline would forge a trailer.
        guard request.requestKey.isEmpty || RequestKey.isValid(request.requestKey) else {
            throw StoreError.invalidRequestKey(String(request.requestKey.prefix(80)))
        }
        let changes = try request.changes.map { change in
            (path: try Self.validate(change.path), content: change.delete ? nil : [UInt8](change.content))
        }
        let expectedParent =
            try request.expectedParent.isEmpty ? nil : Self.oid(request.expectedParent, field: "expected_parent")
        // One line: a subject cannot smuggle in trailers of its own.
        let subject = (request.subject.isEmpty ? "KIP \(changes.first?.path.rawValue ?? "")" : request.subject)
            .split(whereSeparator: \.isNewline).joined(separator: " ").prefix(200)
        let job = CommitJob(
            request: request,
            changes: changes,
            expectedParent: expectedParent,
            subject: String(subject)
        )
        return try await self.commits.submit(job) { [self] jobs in await self.commitBatch(jobs) }
    }

    /// One writer turn for every commit waiting: objects first, one sync, then refs and
    /// op-index lines, one more sync; each commit answered after both, with its own result.
    private func commitBatch(_ jobs: [CommitJob]) async -> [Result<CommitResult, any Error>] {
        do {
            return try await self.pool.writeBatch { repository in
                var batch = CommitBatch(store: self, repository: repository)
                return batch.run(jobs)
            }
        } catch {
            return jobs.map { _ in .failure(error) }
        }
    }

    /// The commit a job makes, its objects written but not yet on its ref (`tip` is the ref
    /// as the batch has moved it so far).
    func stage(
        _ job: CommitJob,
        tip: GitOID?,
        repository: GitRepository
    ) throws -> (result: CommitResult, entry: OpIndex.Entry) {
        let request = job.request
        let (operation, signer) = try self.authority(in: repository).authorize(request)
        var changes = job.changes
        var expectedParent = job.expectedParent
        if request.atTip {
            expectedParent = tip
            if let tip, request.hasRules {
                let check = EntryRuleCheck(rules: request.rules) { try repository.content(at: $0, commit: tip) }
                changes = try check.apply(to: changes)
            }
        }
        let key = request.requestKey
        let opID = operation.id.rawValue
        var message = job.subject + "\n\nop-id: \(opID)\n"
        if !key.isEmpty { message += "key: \(key)\n" }
        message += "instance-id: \(signer)\n"
        message += "\(Self.envelopeTrailer): \(Data(operation.canonicalBytes).base64EncodedString())\n"
        let plan = CommitPlan(
            ref: request.ref,
            changes: changes,
            message: message,
            authorName: signer,
            committerName: self.configuration.committerName,
            committerEmail: self.configuration.committerEmail,
            expectedParent: expectedParent
        )
        let outcome = try repository.stage(plan, tip: tip)
        let result = CommitResult(
            commit: outcome.commit,
            parent: outcome.parent,
            isReplay: false,
            blobs: outcome.blobs,
            written: request.hasRules ? changes.map { ($0.path.rawValue, $0.content) } : [],
            opID: opID,
            envelope: Data(operation.canonicalBytes)
        )
        return (result, OpIndex.Entry(commit: outcome.commit, ref: plan.ref, opID: opID, key: key))
    }

    /// A retried op's original commit (see `replay(_:paths:repository:)`), checked against the
    /// entry rules when the request carries them.
    func replay(_ job: CommitJob, original: OpIndex.Entry, repository: GitRepository) throws -> CommitResult {
        let request = job.request
        var result = try Self.replay(original, paths: job.changes.map(\.path.rawValue), repository: repository)
        if request.hasRules {
            result.written = try Self.committed(result.blobs, repository: repository)
            try EntryRuleCheck.checkReplay(
                key: request.requestKey.isEmpty ? request.opID : request.requestKey,
                commit: original.commit,
                ref: original.ref,
                committed: result.written.first?.content,
                new: job.changes.first?.content
            )
        }
        return result
    }

    /// The content of each written blob (nil for a deletion).
    private static func committed(
        _ blobs: [(path: String, oid: GitOID?)],
        repository: GitRepository
    ) throws -> [(path: String, content: [UInt8]?)] {
        try blobs.map { blob in
            (blob.path, try blob.oid.map { try repository.blobContent($0) })
        }
    }

    static let envelopeTrailer = "op-envelope"

    /// The original commit of a retried op, with the blob ids it wrote, changing nothing. The
    /// caller compares them with its request to refuse "same key, different content".
    static func replay(
        _ original: OpIndex.Entry,
        paths: [String],
        repository: GitRepository
    ) throws -> CommitResult {
        let blobs = try paths.map { (path: $0, oid: try repository.blobOID(at: $0, commit: original.commit)) }
        let parent = try repository.parents(of: original.commit).first
        let envelope = try repository.summary(of: original.commit).trailer(Self.envelopeTrailer)
        return CommitResult(
            commit: original.commit,
            parent: parent,
            isReplay: true,
            blobs: blobs,
            opID: original.opID,
            envelope: envelope.flatMap { Data(base64Encoded: $0) } ?? Data()
        )
    }

    /// The signed op a commit carries in its trailer, or empty for a commit made without one.
    func envelope(of commit: GitOID) async throws -> Data {
        let trailer = try await self.pool.read { try $0.summary(of: commit).trailer(Self.envelopeTrailer) }
        return trailer.flatMap { Data(base64Encoded: $0) } ?? Data()
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

    /// A proposal branch, at canon or one of its ancestors: the only refs created without a
    /// commit, and they hold nothing canon does not.
    func createBranch(_ ref: String, at oidText: String) async throws {
        try self.validateWritable(ref)
        guard ref.hasPrefix(WriteAuthority.proposals) else {
            throw StoreError.unauthorized("only proposal branches are created bare; \(ref) takes a signed commit")
        }
        let oid = try Self.oid(oidText, field: "oid")
        try await self.pool.write { repository in
            try self.requireOnCanon(oid, repository: repository, what: "a proposal's base")
            try repository.createReference(ref, at: oid)
        }
    }

    /// `oid` is canon's tip or one of its ancestors.
    func requireOnCanon(_ oid: GitOID, repository: GitRepository, what: String) throws {
        let canon = try repository.target(ofRef: self.configuration.canonRef)
        let onCanon = try canon.map { try $0 == oid || repository.isAncestor(oid, of: $0) } ?? false
        guard onCanon else {
            throw StoreError.unauthorized("\(what) must be a commit of canon; \(oid.hex) is not")
        }
    }

    /// Create-only; the same name at the same oid is a no-op (returns true), at another oid
    /// an integrity error.
    func createTag(_ name: String, at oidText: String) async throws -> Bool {
        let ref = "refs/tags/" + name
        guard Self.isValidReferenceName(ref) else { throw StoreError.invalidRef(ref, reason: "not a valid tag name") }
        guard name.hasPrefix("state/") else {
            throw StoreError.invalidRef(ref, reason: "the store keeps state tags only (state/<seq>)")
        }
        let oid = try Self.oid(oidText, field: "oid")
        return try await self.pool.write { repository in
            if let existing = try repository.target(ofRef: ref) {
                guard existing == oid else {
                    throw StoreError.tagMoved(name: name, existing: existing.hex, requested: oid.hex)
                }
                return true
            }
            try self.requireOnCanon(oid, repository: repository, what: "a state tag")
            try repository.createReference(ref, at: oid)
            return false
        }
    }
}
