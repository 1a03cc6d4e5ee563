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

extension GitStore {
    /// STORE.md's Commit: canon refused; a known op id or request key returns the original
    /// commit; the signed op is verified here (`WriteAuthority`) and names the author;
    /// compare-and-swap on the expected parent, or with `at_tip` on the tip under the write
    /// lock, the entry rules checked against it; trailers carry op id, key, author and the
    /// envelope itself, so a commit whose audit event was lost can be backfilled whole.
    func commit(_ request: Choros_V1_CommitRequest) async throws -> CommitResult {
        try self.validateWritable(request.ref)
        let changes = try request.changes.map { change in
            (path: try Self.validate(change.path), content: change.delete ? nil : [UInt8](change.content))
        }
        let expectedParent =
            try request.expectedParent.isEmpty ? nil : Self.oid(request.expectedParent, field: "expected_parent")
        // One line: a subject cannot smuggle in trailers of its own.
        let subject = (request.subject.isEmpty ? "KIP \(changes.first?.path.rawValue ?? "")" : request.subject)
            .split(whereSeparator: \.isNewline).joined(separator: " ").prefix(200)
        let index = self.index
        let key = request.requestKey
        return try await self.pool.write { repository in
            if let original = (request.opID.isEmpty ? nil : index.entry(forOpID: request.opID))
                ?? (key.isEmpty ? nil : index.entry(forKey: key, on: request.ref))
            {
                var result = try Self.replay(original, paths: changes.map(\.path.rawValue), repository: repository)
                if request.hasRules {
                    result.written = try Self.committed(result.blobs, repository: repository)
                    try EntryRuleCheck.checkReplay(
                        key: key.isEmpty ? request.opID : key,
                        commit: original.commit,
                        ref: original.ref,
                        committed: result.written.first?.content,
                        new: changes.first?.content
                    )
                }
                result.registryTip = try repository.target(ofRef: WriteAuthority.registryRef)
                return result
            }
            let (operation, signer) = try self.authority(in: repository).authorize(request)
            var changes = changes
            var expectedParent = expectedParent
            if request.atTip {
                expectedParent = try repository.target(ofRef: request.ref)
                if let tip = expectedParent, request.hasRules {
                    let check = EntryRuleCheck(rules: request.rules) { try repository.content(at: $0, commit: tip) }
                    changes = try check.apply(to: changes)
                }
            }
            let opID = operation.id.rawValue
            var message = String(subject) + "\n\nop-id: \(opID)\n"
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
            let outcome = try repository.commit(plan)
            try index.record(OpIndex.Entry(commit: outcome.commit, ref: plan.ref, opID: opID, key: key))
            return CommitResult(
                commit: outcome.commit,
                parent: outcome.parent,
                isReplay: false,
                blobs: outcome.blobs,
                written: request.hasRules ? changes.map { ($0.path.rawValue, $0.content) } : [],
                registryTip: try repository.target(ofRef: WriteAuthority.registryRef),
                opID: opID,
                envelope: Data(operation.canonicalBytes)
            )
        }
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
    private static func replay(
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
