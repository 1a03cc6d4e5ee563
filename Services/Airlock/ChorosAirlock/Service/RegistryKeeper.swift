package import ChorosCore
package import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// Enrollment and revocation (IDENTITY.md): practitioner-signed `instance.enroll` /
/// `instance.revoke` ops, committed to `refs/cap/registry` and audited with their envelope.
package struct RegistryKeeper: Sendable {
    static let ref = "refs/cap/registry"

    let backends: AirlockBackends
    let configuration: ChorosConfiguration

    package init(backends: AirlockBackends, configuration: ChorosConfiguration) {
        self.backends = backends
        self.configuration = configuration
    }

    package func change(_ message: Choros_V1_SignedOp, now: Int64) async throws -> Choros_V1_RegistryChangeResponse {
        var registry = try await self.backends.registry()
        let operation = try self.verify(message, registry: registry, now: now)
        let name: InstanceName
        let author: AuthorID
        do {
            name = try InstanceName(operation.body["name"]?.stringValue ?? "")
            author = try AuthorID(parsing: operation.body["author"]?.stringValue ?? "")
        } catch {
            throw Refusal("registry", .invalidArgument, "\(error)")
        }
        var record: InstanceRecord
        switch operation.type {
        case .instanceEnroll:
            if let existing = registry.record(named: name.rawValue), existing.author == author {
                return try await self.response(existing)  // enrolling the same key again is a no-op
            }
            record = InstanceRecord(name: name, author: author, enrolledAt: operation.timestamp)
            do { try registry.enroll(record) } catch {
                throw Refusal("registry", .alreadyExists, error.description)
            }
        case .instanceRevoke:
            guard let existing = registry.record(named: name.rawValue), existing.author == author else {
                throw Refusal("registry", .notFound, "no instance '\(name)' enrolled with key \(author)")
            }
            guard existing.revokedAt == nil else { return try await self.response(existing) }
            record = existing
            record.revokedAt = operation.timestamp
        default:
            throw Refusal(
                "registry",
                .invalidArgument,
                "expected instance.enroll or instance.revoke, got \(operation.type)"
            )
        }
        let parent = try await self.backends.tip(of: Self.ref) ?? ""
        let commit = try await self.backends.store.call(
            StoreRPC.commit,
            .with {
                $0.ref = Self.ref
                $0.changes = [
                    .with {
                        $0.path = record.path
                        $0.content = Data(record.fileContent)
                    }
                ]
                $0.subject = "\(operation.type == .instanceEnroll ? "enroll" : "revoke") \(record.name)"
                $0.author = "practitioner"
                $0.expectedParent = parent
                $0.opID = operation.id.rawValue
                $0.op = message
            }
        )
        var event = Choros_V1_AuditEventInput()
        event.actor = "practitioner"
        event.op = operation.type.rawValue
        event.targetRef = Self.ref
        event.targetPath = record.path
        event.opID = operation.id.rawValue
        event.resultOid = commit.commitOid
        event.outcome = "ok"
        event.envelope = Data(operation.canonicalBytes)
        try await self.backends.append([event])
        return .with {
            $0.record = record.proto
            $0.commitOid = commit.commitOid
        }
    }

    /// The signer must be an enrolled approver — or, on an empty registry, the first approver
    /// enrolling itself (the genesis of `choros-admin init`).
    private func verify(_ message: Choros_V1_SignedOp, registry: InstanceRegistry, now: Int64) throws -> SignedOperation
    {
        var ledgerRegistry = registry
        if registry.records.isEmpty, let genesis = Self.genesisRecord(message) {
            try? ledgerRegistry.enroll(genesis)
        }
        let verifier = try OperationVerifier(configuration: self.configuration)
        let operation: SignedOperation
        do {
            operation = try verifier.verify(
                message,
                ledger: RegistryLedger(registry: ledgerRegistry),
                now: now
            )
            .operation
        } catch {
            throw Refusal("registry", error.rpcError.code, error.description)
        }
        guard let signer = ledgerRegistry.record(for: operation.author),
            self.configuration.approvers.contains(where: { $0.lowercased() == signer.name.folded })
        else {
            throw Refusal("registry", .permissionDenied, "only a configured approver changes the registry")
        }
        return operation
    }

    /// A self-enrollment of a configured approver's own key, read from the unverified op.
    private static func genesisRecord(_ message: Choros_V1_SignedOp) -> InstanceRecord? {
        guard message.type == OperationType.instanceEnroll.rawValue,
            let body = try? JSONParser.parse(Array(message.body)),
            body["author"]?.stringValue == message.author,
            let name = try? InstanceName(body["name"]?.stringValue ?? ""),
            let author = try? AuthorID(parsing: message.author)
        else { return nil }
        return InstanceRecord(name: name, author: author, enrolledAt: 0)
    }

    private func response(_ record: InstanceRecord) async throws -> Choros_V1_RegistryChangeResponse {
        let tip = try await self.backends.tip(of: Self.ref) ?? ""
        return .with {
            $0.record = record.proto
            $0.commitOid = tip
        }
    }
}

extension InstanceRecord {
    var proto: Choros_V1_InstanceRecord {
        .with {
            $0.name = self.name.rawValue
            $0.author = self.author.rawValue
            $0.enrolledAt = self.enrolledAt
            if let revokedAt = self.revokedAt { $0.revokedAt = revokedAt }
        }
    }
}
