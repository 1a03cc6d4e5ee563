internal import ChorosCore
internal import ChorosProto
package import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// The daemons the airlock drives: the store (merges, tags), the audit log (events, windows,
/// anchors) and the index (changed canon paths).
package struct AirlockBackends: Sendable {
    package let store: WireClient
    package let audit: WireClient
    package let index: WireClient
    let registryCache: RegistryCache

    package init(store: WireClient, audit: WireClient, index: WireClient) {
        self.store = store
        self.audit = audit
        self.index = index
        self.registryCache = RegistryCache(store: store)
    }

    func tip(of ref: String) async throws -> String? {
        do {
            return try await self.store.call(StoreRPC.resolve, .with { $0.ref = ref }).oid
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }

    func text(_ rev: String, _ path: String) async throws -> String? {
        do {
            let blob = try await self.store.call(
                StoreRPC.readBlob,
                .with {
                    $0.rev = rev
                    $0.path = path
                }
            )
            return String(decoding: blob.content, as: UTF8.self)
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }

    /// Canon's seq: the largest state tag, or `seq_origin` before the first land.
    func canonSeq(origin: Int) async throws -> Int {
        let prefix = "refs/tags/state/"
        let tags = try await self.store.call(StoreRPC.listRefs, .with { $0.prefix = prefix }).refs
        return tags.compactMap { Int($0.name.dropFirst(prefix.count), radix: 16) }.max() ?? origin
    }

    func registry() async throws -> InstanceRegistry {
        try await self.registryCache.current()
    }

    /// The signer's enrolled name, refused unless it is one of `approvers` (the practitioner's
    /// acts: lands, refutes, corrections).
    func approverName(_ author: AuthorID, approvers: [String], gate: String) async throws -> String {
        guard let record = try await self.registry().record(for: author) else {
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

    @discardableResult
    func append(_ events: [Choros_V1_AuditEventInput]) async throws -> [Choros_V1_AuditEvent] {
        try await self.audit.call(AuditRPC.append, .with { $0.events = events })
            .events
    }

    /// Every event of one op (and actor), oldest first, paged.
    func allEvents(op: String, actor: String = "") async throws -> [Choros_V1_AuditEvent] {
        var events: [Choros_V1_AuditEvent] = []
        var since: UInt64 = 0
        while true {
            let page = try await self.audit.call(
                AuditRPC.events,
                .with {
                    $0.op = op
                    $0.actor = actor
                    $0.sinceSeq = since
                    $0.limit = 1000
                }
            )
            events += page.events
            guard page.hasMore_p else { return events }
            since = page.nextSinceSeq
        }
    }
}
