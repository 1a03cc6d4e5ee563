package import ChorosProto

/// The methods of `choros.v1.Audit` (audit.proto). Every read is idempotent; an append is
/// not (a retried batch would log twice), nor is an anchor or a reconcile.
package enum AuditRPC {
    package static let append = RPCMethod<Choros_V1_AppendRequest, Choros_V1_AppendResponse>(
        path("Append"),
        isIdempotent: false
    )
    package static let head = RPCMethod<Choros_V1_HeadRequest, Choros_V1_HeadResponse>(path("Head"), isIdempotent: true)
    package static let count = RPCMethod<Choros_V1_CountRequest, Choros_V1_CountResponse>(
        path("Count"),
        isIdempotent: true
    )
    package static let latest = RPCMethod<Choros_V1_LatestRequest, Choros_V1_LatestResponse>(
        path("Latest"),
        isIdempotent: true
    )
    package static let events = RPCMethod<Choros_V1_EventsRequest, Choros_V1_EventsResponse>(
        path("Events"),
        isIdempotent: true
    )
    package static let isRead = RPCMethod<Choros_V1_IsReadRequest, Choros_V1_IsReadResponse>(
        path("IsRead"),
        isIdempotent: true
    )
    package static let find = RPCMethod<Choros_V1_FindRequest, Choros_V1_FindResponse>(path("Find"), isIdempotent: true)
    package static let verify = RPCMethod<Choros_V1_VerifyRequest, Choros_V1_VerifyResponse>(
        path("Verify"),
        isIdempotent: true
    )
    package static let headAt = RPCMethod<Choros_V1_HeadAtRequest, Choros_V1_HeadAtResponse>(
        path("HeadAt"),
        isIdempotent: true
    )
    package static let snapshot = RPCMethod<Choros_V1_SnapshotRequest, Choros_V1_SnapshotResponse>(
        path("Snapshot"),
        isIdempotent: true
    )
    package static let anchor = RPCMethod<Choros_V1_AnchorRequest, Choros_V1_AnchorResponse>(
        path("Anchor"),
        isIdempotent: false
    )
    package static let reconcile = RPCMethod<Choros_V1_ReconcileRequest, Choros_V1_ReconcileResponse>(
        path("Reconcile"),
        isIdempotent: false
    )

    private static func path(_ method: String) -> String { "/choros.v1.Audit/" + method }
}
