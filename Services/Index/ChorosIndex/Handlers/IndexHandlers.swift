internal import ChorosProto
package import ChorosWire
internal import SwiftProtobuf

extension SearchIndex {
    /// Registers every Index RPC on `router`.
    package func register(on router: inout RPCRouter) {
        router.register(IndexRPC.upsert) { request, _ in
            let result = try await self.upsert(request.targets, advance: request.hasAdvance ? request.advance : nil)
            return .with {
                $0.upserted = UInt32(result.upserted)
                $0.deleted = UInt32(result.deleted)
                $0.skipped = UInt32(result.skipped)
                $0.caughtUp = result.caughtUp
            }
        }
        router.register(IndexRPC.pointers) { request, _ in
            let pointers = try await self.database.pointers(ref: request.ref, under: request.prefix)
            return .with { $0.pointers = pointers }
        }
        router.register(IndexRPC.delete) { request, _ in
            let deleted = try await self.delete(request.targets)
            return .with { $0.deleted = UInt32(deleted) }
        }
        router.register(IndexRPC.search) { request, _ in
            let result = try await self.search(request)
            return .with {
                $0.hits = result.hits
                $0.degraded = result.isDegraded
            }
        }
        router.register(IndexRPC.stats) { _, _ in try await self.stats() }
        router.register(IndexRPC.reindex) { _, _ in
            let result = try await self.reindex()
            return .with {
                $0.entries = UInt64(result.entries)
                $0.refs = UInt64(result.refs)
                $0.claimOps = UInt64(result.claimOps)
            }
        }
        router.register(IndexRPC.inbox) { request, _ in
            let messages = try await self.inbox(reader: request.reader, unreadOnly: request.unreadOnly)
            return .with { $0.messages = messages }
        }
        router.register(IndexRPC.vantages) { request, _ in try await self.vantages(request) }
        router.register(IndexRPC.authorsOf) { request, _ in
            let authors = try await self.authors(of: request.path)
            return .with { $0.authors = authors }
        }
        router.register(IndexRPC.lineage) { request, _ in
            let links = try await self.lineage(of: request.path, direction: request.direction)
            return .with { $0.links = links }
        }
        router.register(IndexRPC.claimApply) { request, _ in
            let result = try await self.claims.apply(request.events)
            return .with {
                $0.applied = UInt32(result.applied)
                $0.skipped = UInt32(result.skipped)
            }
        }
        router.register(IndexRPC.claimCheck) { request, _ in try await self.checkClaim(request) }
        router.register(IndexRPC.belief) { request, _ in
            try await self.claims.belief(subject: request.subject, predicate: request.predicate)
        }
        router.register(IndexRPC.claimsFor) { request, _ in try await self.claims.claims(for: request) }
        router.register(IndexRPC.claimExplain) { request, _ in try await self.claims.explain(request.claim) }
        router.register(IndexRPC.cascade) { request, _ in
            request.cause.isEmpty && !request.previewRoot.isEmpty
                ? try await self.claims.cascadePreview(root: request.previewRoot)
                : try await self.claims.cascade(cause: request.cause)
        }
        router.register(IndexRPC.lineageImpact) { request, _ in try await self.lineageImpact(request) }
        router.register(IndexRPC.clear) { _, _ in
            let removed = try await self.clear()
            return .with { $0.removed = UInt64(removed) }
        }
    }
}

extension ClaimGraphError: WireErrorConvertible {
    var rpcError: RPCError {
        switch self {
        case .unknownNode, .notACause: RPCError(code: .notFound, message: self.description)
        case .badEnvelope, .notAClaimOp: RPCError(code: .invalidArgument, message: self.description)
        }
    }
}

extension SearchError: WireErrorConvertible {
    var rpcError: RPCError { RPCError(code: .invalidArgument, message: self.description) }
}
