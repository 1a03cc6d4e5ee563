package import ChorosProto

/// The methods of `choros.v1.Index` (index.proto). Upserts and deletes re-read the store, so
/// repeating them is harmless: every method is idempotent.
package enum IndexRPC {
    package static let upsert = RPCMethod<Choros_V1_UpsertRequest, Choros_V1_UpsertResponse>(
        path("Upsert"),
        isIdempotent: true
    )
    package static let pointers = RPCMethod<Choros_V1_PointersRequest, Choros_V1_PointersResponse>(
        path("Pointers"),
        isIdempotent: true
    )
    package static let delete = RPCMethod<Choros_V1_DeleteRequest, Choros_V1_DeleteResponse>(
        path("Delete"),
        isIdempotent: true
    )
    package static let search = RPCMethod<Choros_V1_SearchRequest, Choros_V1_SearchResponse>(
        path("Search"),
        isIdempotent: true
    )
    package static let stats = RPCMethod<Choros_V1_StatsRequest, Choros_V1_StatsResponse>(
        path("Stats"),
        isIdempotent: true
    )
    package static let reindex = RPCMethod<Choros_V1_ReindexRequest, Choros_V1_ReindexResponse>(
        path("Reindex"),
        isIdempotent: true
    )
    package static let inbox = RPCMethod<Choros_V1_InboxRequest, Choros_V1_InboxResponse>(
        path("Inbox"),
        isIdempotent: true
    )
    package static let vantages = RPCMethod<Choros_V1_VantagesRequest, Choros_V1_VantagesResponse>(
        path("Vantages"),
        isIdempotent: true
    )
    package static let authorsOf = RPCMethod<Choros_V1_AuthorsOfRequest, Choros_V1_AuthorsOfResponse>(
        path("AuthorsOf"),
        isIdempotent: true
    )
    package static let lineage = RPCMethod<Choros_V1_LineageRequest, Choros_V1_LineageResponse>(
        path("Lineage"),
        isIdempotent: true
    )
    package static let clear = RPCMethod<Choros_V1_ClearRequest, Choros_V1_ClearResponse>(
        path("Clear"),
        isIdempotent: true
    )

    // The claims graph. Applying is idempotent by op id; the rest only read.
    package static let claimApply = RPCMethod<Choros_V1_ClaimApplyRequest, Choros_V1_ClaimApplyResponse>(
        path("ClaimApply"),
        isIdempotent: true
    )
    package static let claimCheck = RPCMethod<Choros_V1_ClaimCheckRequest, Choros_V1_ClaimCheckResponse>(
        path("ClaimCheck"),
        isIdempotent: true
    )
    package static let belief = RPCMethod<Choros_V1_BeliefRequest, Choros_V1_BeliefResponse>(
        path("Belief"),
        isIdempotent: true
    )
    package static let claimsFor = RPCMethod<Choros_V1_ClaimsForRequest, Choros_V1_ClaimsForResponse>(
        path("ClaimsFor"),
        isIdempotent: true
    )
    package static let claimExplain = RPCMethod<Choros_V1_ClaimExplainRequest, Choros_V1_ClaimExplainResponse>(
        path("ClaimExplain"),
        isIdempotent: true
    )
    package static let cascade = RPCMethod<Choros_V1_CascadeRequest, Choros_V1_CascadeResponse>(
        path("Cascade"),
        isIdempotent: true
    )
    package static let lineageImpact = RPCMethod<Choros_V1_LineageImpactRequest, Choros_V1_LineageImpactResponse>(
        path("LineageImpact"),
        isIdempotent: true
    )

    private static func path(_ method: String) -> String { "/choros.v1.Index/" + method }
}
