/// What an `instance.enroll` or `instance.revoke` op does to the registry (IDENTITY.md): one
/// rule, applied by the airlock that proposes the change and by the store that refuses any
/// other commit to `refs/cap/registry`.
package enum RegistryChange: Equatable, Sendable {
    /// The record to write at `record.path`.
    case write(InstanceRecord)
    /// Already so (the same key enrolled again, a revoked key revoked again): nothing to write.
    case unchanged(InstanceRecord)
}

package enum RegistryChangeError: Error, Equatable, CustomStringConvertible {
    case invalidBody(String)
    case taken(String)
    case notEnrolled(name: String, author: String)
    case notARegistryOp(String)

    package var description: String {
        switch self {
        case .invalidBody(let reason): reason
        case .taken(let reason): reason
        case .notEnrolled(let name, let author): "no instance '\(name)' is enrolled with key \(author)"
        case .notARegistryOp(let type): "expected instance.enroll or instance.revoke, got \(type)"
        }
    }
}

extension InstanceRegistry {
    /// The change `operation` (already verified) makes to this registry.
    package func change(for operation: SignedOperation) throws(RegistryChangeError) -> RegistryChange {
        let name: InstanceName
        let author: AuthorID
        do {
            name = try InstanceName(operation.body["name"]?.stringValue ?? "")
            author = try AuthorID(parsing: operation.body["author"]?.stringValue ?? "")
        } catch {
            throw .invalidBody("\(error)")
        }
        switch operation.type {
        case .instanceEnroll:
            if let existing = self.record(named: name.rawValue), existing.author == author {
                return .unchanged(existing)
            }
            let record = InstanceRecord(name: name, author: author, enrolledAt: operation.timestamp)
            var registry = self
            do { try registry.enroll(record) } catch { throw .taken(error.description) }
            return .write(record)
        case .instanceRevoke:
            guard var record = self.record(named: name.rawValue), record.author == author else {
                throw .notEnrolled(name: name.rawValue, author: author.rawValue)
            }
            guard record.revokedAt == nil else { return .unchanged(record) }
            record.revokedAt = operation.timestamp
            return .write(record)
        default:
            throw .notARegistryOp(operation.type.rawValue)
        }
    }
}
