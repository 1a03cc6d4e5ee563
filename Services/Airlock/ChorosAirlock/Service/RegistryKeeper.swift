package import ChorosClients
package import ChorosCore
package import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// Enrollment and revocation (IDENTITY.md): practitioner-signed `instance.enroll` /
/// `instance.revoke` ops, committed to `refs/cap/registry` and audited with their envelope.
package struct RegistryKeeper: Sendable {
    static let ref = "refs/cap/registry"

    let daemons: DaemonClients
    let configuration: ChorosConfiguration

    package init(daemons: DaemonClients, configuration: ChorosConfiguration) {
        self.daemons = daemons
        self.configuration = configuration
    }

    package func change(_ message: Choros_V1_SignedOp, now: Int64) async throws -> Choros_V1_RegistryChangeResponse {
        let registry = try await self.daemons.store.registry.current()
        let operation = try self.verify(message, registry: registry, now: now)
        let record: InstanceRecord
        do {
            switch try registry.change(for: operation) {
            case .unchanged(let existing): return try await self.response(existing)
            case .write(let changed): record = changed
            }
        } catch let error as RegistryChangeError {
            let code: Choros_V1_Code =
                switch error {
                case .taken: .alreadyExists
                case .notEnrolled: .notFound
                case .invalidBody, .notARegistryOp: .invalidArgument
                }
            throw Refusal(.registry, code, error.description)
        }
        let parent = try await self.daemons.store.tip(of: Self.ref) ?? ""
        let commit = try await self.daemons.store.call(
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
        try await self.daemons.audit.append([event])
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
            throw Refusal(.registry, error.rpcError.code, error.description)
        }
        guard let signer = ledgerRegistry.record(for: operation.author),
            self.configuration.approvers.contains(where: { $0.lowercased() == signer.name.folded })
        else {
            throw Refusal(.registry, .permissionDenied, "only a configured approver changes the registry")
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
        let tip = try await self.daemons.store.tip(of: Self.ref) ?? ""
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
