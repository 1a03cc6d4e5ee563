internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Synchronization

/// The enrolled keys, re-read from `refs/cap/registry` whenever its tip moves. Each call
/// resolves the tip (one cheap store call), so a revocation applies from the next call on.
final class RegistryCache: Sendable {
    static let ref = "refs/cap/registry"

    private let cached = Mutex<(tip: String, registry: InstanceRegistry)?>(nil)

    func current(_ backends: Backends) async throws -> InstanceRegistry {
        guard let tip = try await backends.tip(of: Self.ref) else { return try InstanceRegistry() }
        if let cached = self.cached.withLock({ $0 }), cached.tip == tip { return cached.registry }
        let registry = try InstanceRegistry(records: try await InstanceRecord.all(in: backends.store, rev: tip))
        self.cached.withLock { $0 = (tip, registry) }
        return registry
    }
}
