internal import ChorosProto
package import ChorosWire
internal import SwiftProtobuf
internal import Synchronization

/// The enrolled keys, re-read from `refs/cap/registry` whenever its tip moves. Each call
/// resolves the tip (one cheap store call), so a revocation applies from the next call on.
/// One per process: the gateway, the airlock and the audit log read the registry through it
/// (the store reads its own repository).
package final class RegistryCache: Sendable {
    package static let ref = "refs/cap/registry"

    private let store: WireClient
    private let cached = Mutex<(tip: String, registry: InstanceRegistry)?>(nil)

    package init(store: WireClient) {
        self.store = store
    }

    package func current() async throws -> InstanceRegistry {
        let tip: String
        do {
            tip = try await self.store.call(StoreRPC.resolve, .with { $0.ref = Self.ref }).oid
        } catch let error as RPCError where error.code == .notFound {
            return try InstanceRegistry()
        }
        if let cached = self.cached.withLock({ $0 }), cached.tip == tip { return cached.registry }
        let registry = try InstanceRegistry(records: try await InstanceRecord.all(in: self.store, rev: tip))
        self.cached.withLock { $0 = (tip, registry) }
        return registry
    }

    /// The record of a key that was ever enrolled, revoked or not. Records never leave the
    /// registry, so a cached hit needs no store call; only a miss re-reads it.
    package func everEnrolled(_ author: AuthorID) async throws -> InstanceRecord? {
        if let record = self.cached.withLock({ $0?.registry.record(for: author) }) { return record }
        return try await self.current().record(for: author)
    }
}
