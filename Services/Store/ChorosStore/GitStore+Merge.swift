internal import ChorosCore
internal import ChorosProto
internal import Foundation
internal import NIOConcurrencyHelpers

extension GitStore {
    /// Pins canon's and the proposal's tips to oids once, then analyzes the merge.
    private func analyze(_ proposalRef: String, in repository: GitRepository) throws -> MergeAnalysis {
        guard proposalRef.hasPrefix("refs/cap/proposals/") else {
            throw StoreError.invalidRef(proposalRef, reason: "proposals live under refs/cap/proposals/")
        }
        guard let canon = try repository.target(ofRef: self.configuration.canonRef) else {
            throw StoreError.noSuchRef(self.configuration.canonRef)
        }
        guard let proposal = try repository.target(ofRef: proposalRef) else { throw StoreError.noSuchRef(proposalRef) }
        return try repository.analyzeMerge(canon: canon, proposal: proposal)
    }

    /// Conflicts, changes and authors; creates nothing that is referenced.
    func previewMerge(_ proposalRef: String) async throws -> MergeAnalysis {
        try await self.pool.read { try self.analyze(proposalRef, in: $0) }
    }

    /// An unreferenced two-parent candidate (canon's tip, the proposal's tip).
    ///
    /// - Throws: `StoreError.conflicts` naming the paths; `.removesCanon` when the merge would
    ///   remove a canon path (canon is append-only).
    func prepareMerge(_ proposalRef: String) async throws -> (candidate: GitOID, analysis: MergeAnalysis) {
        let canonRef = self.configuration.canonRef
        let (committerName, committerEmail) = (self.configuration.committerName, self.configuration.committerEmail)
        return try await self.pool.write { repository in
            let analysis = try self.analyze(proposalRef, in: repository)
            guard analysis.conflicts.isEmpty, let tree = analysis.tree else {
                throw StoreError.conflicts(analysis.conflicts)
            }
            guard analysis.changes.removed.isEmpty else { throw StoreError.removesCanon(analysis.changes.removed) }
            let plan = CommitPlan(
                ref: canonRef,
                changes: [],
                message: "Merge \(proposalRef) into \(canonRef)\n",
                authorName: committerName,
                committerName: committerName,
                committerEmail: committerEmail,
                expectedParent: analysis.canon
            )
            let candidate = try repository.writeCommit(
                tree: tree,
                parents: [analysis.canon, analysis.proposal],
                plan: plan
            )
            return (candidate, analysis)
        }
    }

    /// Moves canon from the candidate's first parent to the candidate, by compare-and-swap,
    /// for a `canon.land` op naming this exact candidate, signed by an enrolled approver.
    ///
    /// - Throws: `StoreError.approvalRefused` (PERMISSION_DENIED) naming what is wrong with the
    ///   approval; `.canonMoved` (ABORTED) when canon is no longer the candidate's base.
    func land(
        candidate candidateText: String,
        approval: Choros_V1_SignedOp,
        isPastDeadline: @escaping @Sendable () -> Bool = { false }
    ) async throws -> (canon: GitOID, previous: GitOID) {
        let candidate = try Self.oid(candidateText, field: "candidate_oid")
        let canonRef = self.configuration.canonRef
        let index = self.index
        return try await self.pool.write { repository in
            let parents = try repository.parents(of: candidate)
            guard parents.count == 2 else { throw StoreError.notACandidate(candidate.hex) }
            let operation = try self.verifyApproval(approval, candidate: candidate, repository: repository)
            let current = try repository.target(ofRef: canonRef)
            guard current == parents[0] else {
                throw StoreError.canonMoved(expected: parents[0].hex, actual: current?.hex ?? "absent")
            }
            // The record first: a canon tip that is a land always has its approval beside it,
            // so the airlock can finish it from canon alone (TRUST.md, rule 5).
            try self.recordLand(candidate, previous: parents[0], approval: operation, repository: repository)
            if isPastDeadline() {
                throw StoreError.deadlinePassed("the land's deadline passed before canon moved")
            }
            StoreFault.delay(.beforeLandRename)
            do {
                try repository.moveRef(canonRef, to: candidate, from: parents[0])
            } catch StoreError.lostRace {
                let actual = (try? repository.target(ofRef: canonRef))??.hex ?? "unknown"
                throw StoreError.canonMoved(expected: parents[0].hex, actual: actual)
            }
            let opID = approval.opID
            try index.record(OpIndex.Entry(commit: candidate, ref: canonRef, opID: opID, key: ""))
            return (candidate, parents[0])
        }
    }

    @discardableResult
    private func verifyApproval(
        _ approval: Choros_V1_SignedOp,
        candidate: GitOID,
        repository: GitRepository
    ) throws -> SignedOperation {
        let registry = try self.registry(in: repository)
        let verifier = OperationVerifier(
            freshnessSeconds: self.configuration.opFreshnessSeconds,
            deployment: self.configuration.deploymentID
        )
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let operation: SignedOperation
        do {
            operation = try verifier.verify(approval, ledger: RegistryLedger(registry: registry), now: now).operation
        } catch {
            throw StoreError.approvalRefused("\(error)")
        }
        guard operation.type == .canonLand else {
            throw StoreError.approvalRefused("a \(operation.type.rawValue) op is not a canon.land approval")
        }
        let named = operation.body["candidate_oid"]?.stringValue ?? ""
        guard named == candidate.hex else {
            throw StoreError.approvalRefused("it approves \(named), not the candidate \(candidate.hex)")
        }
        let approvers = Set(self.configuration.approvers.map { $0.lowercased() })
        guard let record = registry.record(for: operation.author), approvers.contains(record.name.folded) else {
            let name = registry.record(for: operation.author)?.name.rawValue ?? operation.author.rawValue
            throw StoreError.approvalRefused(
                "'\(name)' is not a configured approver (\(self.configuration.approvers.joined(separator: ", ")))"
            )
        }
        return operation
    }

    /// `refs/cap/lands`: `lands/<candidate>.json` holds the approval that moved canon there
    /// and the canon it moved from, one commit per land.
    static let landsRef = "refs/cap/lands"

    private func recordLand(
        _ candidate: GitOID,
        previous: GitOID,
        approval: SignedOperation,
        repository: GitRepository
    ) throws {
        let record = CanonicalJSON.encode([
            "approval": .string(String(decoding: approval.canonicalBytes, as: UTF8.self)),
            "previous_canon_oid": .string(previous.hex),
        ])
        let path = try Self.validate("lands/\(candidate.hex).json")
        let tip = try repository.target(ofRef: Self.landsRef)
        if let tip, (try? repository.blobOID(at: path.rawValue, commit: tip)) != nil { return }
        _ = try repository.commit(
            CommitPlan(
                ref: Self.landsRef,
                changes: [(path: path, content: record)],
                message: "land \(candidate.hex)\n",
                authorName: "system",
                committerName: self.configuration.committerName,
                committerEmail: self.configuration.committerEmail,
                expectedParent: tip
            )
        )
    }

    /// The enrolled keys: `instances/*.json` on `refs/cap/registry`, re-read only when its tip
    /// moves (every commit and land consults it).
    func registry(in repository: GitRepository) throws -> InstanceRegistry {
        guard let tip = try repository.target(ofRef: WriteAuthority.registryRef) else { return try InstanceRegistry() }
        if let cached = self.registryCache.withLockedValue({ $0 }), cached.tip == tip { return cached.registry }
        let paths =
            (try? repository.paths(in: tip, prefix: "instances", recursive: false, rev: WriteAuthority.registryRef))
            ?? []
        var records: [InstanceRecord] = []
        for path in paths where path.hasSuffix(".json") {
            let content = try repository.blob(at: path, commit: tip, rev: WriteAuthority.registryRef).content
            if let record = try? InstanceRecord(fileContent: content) { records.append(record) }
        }
        let registry = try InstanceRegistry(records: records)
        self.registryCache.withLockedValue { $0 = (tip, registry) }
        return registry
    }

    /// The write rules over the registry as it is now.
    func authority(in repository: GitRepository) throws -> WriteAuthority {
        WriteAuthority(
            registry: try self.registry(in: repository),
            approvers: Set(self.configuration.approvers.map { $0.lowercased() }),
            verifier: OperationVerifier(
                freshnessSeconds: self.configuration.opFreshnessSeconds,
                deployment: self.configuration.deploymentID
            ),
            now: Int64(Date().timeIntervalSince1970 * 1000)
        )
    }
}
