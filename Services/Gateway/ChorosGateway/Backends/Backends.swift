internal import ChorosProto
package import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// The daemons the gateway orchestrates. It holds no durable state of its own: everything
/// it knows, it asks them.
package struct Backends: Sendable {
    package let store: WireClient
    package let audit: WireClient
    package let index: WireClient
    package let airlock: WireClient

    package init(store: WireClient, audit: WireClient, index: WireClient, airlock: WireClient) {
        self.store = store
        self.audit = audit
        self.index = index
        self.airlock = airlock
    }
}

// MARK: store reads that tell "absent" from a failure

extension Backends {
    /// A ref's tip, or `nil` when the ref does not exist.
    func tip(of ref: String) async throws -> String? {
        do {
            return try await self.store.call(StoreRPC.resolve, .with { $0.ref = ref }).oid
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }

    /// A file at a revision, or `nil` when the ref or the path does not exist.
    func blob(_ rev: String, _ path: String) async throws -> Choros_V1_ReadBlobResponse? {
        do {
            return try await self.store.call(
                StoreRPC.readBlob,
                .with {
                    $0.rev = rev
                    $0.path = path
                }
            )
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }

    func text(_ rev: String, _ path: String) async throws -> String? {
        try await self.blob(rev, path).map { String(decoding: $0.content, as: UTF8.self) }
    }

    func exists(_ rev: String, _ path: String) async throws -> Bool {
        do {
            _ = try await self.store.call(
                StoreRPC.blobOid,
                .with {
                    $0.rev = rev
                    $0.path = path
                }
            )
            return true
        } catch let error as RPCError where error.code == .notFound {
            return false
        }
    }

    func paths(_ rev: String, under prefix: String = "", recursive: Bool = true) async throws -> [String] {
        do {
            return try await self.store.call(
                StoreRPC.listPaths,
                .with {
                    $0.rev = rev
                    $0.prefix = prefix
                    $0.recursive = recursive
                }
            ).paths
        } catch let error as RPCError where error.code == .notFound {
            return []
        }
    }

    func refs(under prefix: String) async throws -> [Choros_V1_RefEntry] {
        try await self.store.call(StoreRPC.listRefs, .with { $0.prefix = prefix }).refs
    }

    func history(_ rev: String, path: String = "", limit: UInt32 = 0) async throws -> [Choros_V1_HistoryEntry] {
        do {
            return try await self.store.call(
                StoreRPC.history,
                .with {
                    $0.rev = rev
                    $0.path = path
                    $0.limit = limit
                }
            ).entries
        } catch let error as RPCError where error.code == .notFound {
            return []
        }
    }
}

// MARK: audit

extension Backends {
    @discardableResult
    func append(_ event: Choros_V1_AuditEventInput) async throws -> Choros_V1_AuditEvent? {
        try await self.audit.call(AuditRPC.append, .with { $0.events = [event] }).events.first
    }

    func latest(op: String, actor: String) async throws -> Choros_V1_AuditEvent? {
        let response = try await self.audit.call(
            AuditRPC.latest,
            .with {
                $0.op = op
                $0.actor = actor
            }
        )
        return response.found ? response.event : nil
    }

    func auditEvents(opID: String) async throws -> [Choros_V1_AuditEvent] {
        try await self.audit.call(AuditRPC.find, .with { $0.opID = opID }).events
    }
}
