package import ChorosCore
internal import ChorosProto
package import ChorosWire
internal import NIOConcurrencyHelpers
internal import SwiftProtobuf

/// The enrolled keys, re-read from `refs/cap/registry` whenever its tip moves: one snapshot
/// per process, keyed by that tip, shared by every caller of the store client.
package final class RegistryCache: Sendable {
    package static let ref = "refs/cap/registry"

    private let wire: WireClient
    private let cached = NIOLockedValueBox<(tip: String, registry: InstanceRegistry)?>(nil)

    init(reading wire: WireClient) {
        self.wire = wire
    }

    /// The registry at its tip now: one cheap store call, so a revocation applies from the
    /// next call on.
    package func current() async throws -> InstanceRegistry {
        let store = StoreClient(wire: self.wire, registry: self)
        guard let tip = try await store.tip(of: Self.ref) else { return try InstanceRegistry() }
        return try await self.registry(at: tip)
    }

    /// The registry at `tip`, read only when it is not the cached one. A caller that learnt
    /// the tip from another answer (the store's Commit returns it) pays no call at all.
    package func registry(at tip: String) async throws -> InstanceRegistry {
        if let cached = self.cached.withLockedValue({ $0 }), cached.tip == tip { return cached.registry }
        let store = StoreClient(wire: self.wire, registry: self)
        let registry = try InstanceRegistry(records: try await store.registryRecords(at: tip))
        self.cached.withLockedValue { $0 = (tip, registry) }
        return registry
    }

    /// The last registry read, without asking the store; `nil` before the first read. For a
    /// signed write whose store call verifies the signer against the store's own registry.
    package var snapshot: (tip: String, registry: InstanceRegistry)? { self.cached.withLockedValue { $0 } }

    /// The record of a key that was ever enrolled, revoked or not. Records never leave the
    /// registry, so a cached hit needs no store call; only a miss re-reads it.
    package func everEnrolled(_ author: AuthorID) async throws -> InstanceRecord? {
        if let record = self.cached.withLockedValue({ $0?.registry.record(for: author) }) { return record }
        return try await self.current().record(for: author)
    }

    /// The signer's enrolled name, refused unless it is one of `approvers` (the practitioner's
    /// acts: lands, refutes, corrections, registry changes).
    package func approverName(_ author: AuthorID, approvers: [String], gate: Refusal.Gate) async throws -> String {
        guard let record = try await self.current().record(for: author) else {
            throw Refusal(gate, .permissionDenied, "key \(author) is not enrolled")
        }
        guard approvers.contains(where: { $0.lowercased() == record.name.folded }) else {
            throw Refusal(
                gate,
                .permissionDenied,
                "'\(record.name)' is not a configured approver (\(approvers.joined(separator: ", ")))"
            )
        }
        return record.name.rawValue
    }
}
