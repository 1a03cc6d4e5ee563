internal import ChorosCore
internal import ChorosProto
internal import Foundation

/// Who may move which ref (TRUST.md, rule 2). The store checks the signed op that causes a
/// commit itself, against the registry it reads from its own repository, whatever the daemon
/// in front of it says: a caller that reaches `store.sock` cannot write as anyone it cannot
/// sign as.
///
/// - `refs/cap/perspectives/<name>`: an op signed by `<name>`'s enrolled key;
/// - `refs/cap/proposals/<id>`: a proposal op for `<id>` signed by an enrolled instance;
/// - `refs/cap/registry`: an approver's `instance.enroll` / `instance.revoke`, writing exactly
///   the record the op describes (the first approver enrolls itself into an empty registry);
/// - any other ref: a `system.commit` naming the ref and the digest of the changes, signed by
///   the system key or an approver.
struct WriteAuthority {
    let registry: InstanceRegistry
    let approvers: Set<String>
    let verifier: OperationVerifier
    let now: Int64

    static let perspectives = "refs/cap/perspectives/"
    static let proposals = "refs/cap/proposals/"
    static let registryRef = "refs/cap/registry"

    /// The verified op and the enrolled name that signed it.
    func authorize(_ request: Choros_V1_CommitRequest) throws -> (operation: SignedOperation, signer: String) {
        guard request.hasOp else {
            throw StoreError.unauthorized("a commit to \(request.ref) must carry the signed op that causes it")
        }
        if request.ref == Self.registryRef { return try self.authorizeRegistry(request) }
        let (operation, signer) = try self.verify(request.op, registry: self.registry)
        guard request.opID.isEmpty || request.opID == operation.id.rawValue else {
            throw StoreError.unauthorized("op_id \(request.opID.prefix(80)) is not the signed op's \(operation.id)")
        }
        if request.ref.hasPrefix(Self.perspectives) {
            let owner = String(request.ref.dropFirst(Self.perspectives.count))
            guard owner.lowercased() == signer.lowercased() else {
                throw StoreError.unauthorized(
                    "\(request.ref) is \(owner)'s perspective; the op is signed by '\(signer)'"
                )
            }
            if operation.type == .systemCommit { try self.checkSystemCommit(operation, request, signer: signer) }
            guard operation.type.signer != .practitioner else {
                throw StoreError.unauthorized("a \(operation.type.rawValue) op does not write a perspective")
            }
        } else if request.ref.hasPrefix(Self.proposals) {
            let id = String(request.ref.dropFirst(Self.proposals.count))
            guard [.proposalAdd, .proposalRetract, .proposalClose].contains(operation.type),
                operation.body["proposal_id"]?.stringValue == id
            else {
                throw StoreError.unauthorized("a commit to \(request.ref) needs a proposal op for '\(id)'")
            }
        } else {
            try self.checkSystemCommit(operation, request, signer: signer)
        }
        return (operation, signer)
    }

    private func verify(
        _ message: Choros_V1_SignedOp,
        registry: InstanceRegistry
    ) throws -> (SignedOperation, String) {
        let operation: SignedOperation
        do {
            operation = try self.verifier.verify(message, ledger: RegistryLedger(registry: registry), now: self.now)
                .operation
        } catch {
            throw StoreError.unauthorized("the signed op does not verify: \(error)")
        }
        guard let record = registry.record(for: operation.author) else {
            throw StoreError.unauthorized("key \(operation.author) is not enrolled")
        }
        return (operation, record.name.rawValue)
    }

    private func checkSystemCommit(
        _ operation: SignedOperation,
        _ request: Choros_V1_CommitRequest,
        signer: String
    ) throws {
        guard operation.type == .systemCommit else {
            throw StoreError.unauthorized("\(request.ref) takes a system.commit op, not \(operation.type.rawValue)")
        }
        guard signer.lowercased() == "system" || self.approvers.contains(signer.lowercased()) else {
            throw StoreError.unauthorized("'\(signer)' signs no system.commit: only the system key or an approver")
        }
        guard operation.body["ref"]?.stringValue == request.ref else {
            throw StoreError.unauthorized(
                "the system.commit names \(operation.body["ref"]?.stringValue ?? "no ref"), not \(request.ref)"
            )
        }
        guard operation.body["changes"]?.stringValue == SystemCommit.digest(request.changes) else {
            throw StoreError.unauthorized("the system.commit was signed for other changes than these")
        }
    }

    /// Enrollment and revocation: the op decides the one file written, not the caller.
    private func authorizeRegistry(
        _ request: Choros_V1_CommitRequest
    ) throws -> (operation: SignedOperation, signer: String) {
        let registry = self.registry
        let bootstrap = try self.bootstrapRegistry(for: request.op)
        let (operation, signer) = try self.verify(request.op, registry: bootstrap ?? registry)
        guard self.approvers.contains(signer.lowercased()) else {
            throw StoreError.unauthorized("'\(signer)' is not an approver: only the practitioner changes the registry")
        }
        // The op decides the record; in an empty registry the approver's own enrollment.
        let record: InstanceRecord
        do {
            switch try registry.change(for: operation) {
            case .write(let changed): record = changed
            case .unchanged: throw StoreError.unauthorized("the registry already says what this op says")
            }
        } catch let error as RegistryChangeError {
            throw StoreError.unauthorized("\(error)")
        }
        let expected = [record.path: Data(record.fileContent)]
        let written = Dictionary(
            request.changes.map { ($0.path, $0.delete ? nil : $0.content) },
            uniquingKeysWith: { $1 }
        )
        guard written.count == 1, written[record.path] == expected[record.path] else {
            throw StoreError.unauthorized("a registry commit writes exactly \(record.path) as the op describes it")
        }
        return (operation, signer)
    }

    /// An empty registry admits one op: an approver enrolling its own key.
    private func bootstrapRegistry(for message: Choros_V1_SignedOp) throws -> InstanceRegistry? {
        guard self.registry.records.isEmpty, message.type == OperationType.instanceEnroll.rawValue,
            let body = try? JSONParser.parse(Array(message.body)),
            let name = body["name"]?.stringValue, self.approvers.contains(name.lowercased()),
            body["author"]?.stringValue == message.author,
            let author = try? AuthorID(parsing: message.author),
            let instance = try? InstanceName(name)
        else { return nil }
        return try InstanceRegistry(records: [InstanceRecord(name: instance, author: author, enrolledAt: 0)])
    }
}
