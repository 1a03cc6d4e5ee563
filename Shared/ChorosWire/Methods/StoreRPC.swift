package import ChorosProto

/// The methods of `choros.v1.Store` (store.proto). Reads, tags, merge previews and sync
/// checks are idempotent; a Commit is, when it carries an op id (callers say so per call).
package enum StoreRPC {

    package static let resolve = RPCMethod<Choros_V1_ResolveRequest, Choros_V1_ResolveResponse>(
        path("Resolve"),
        isIdempotent: true
    )
    package static let readBlob = RPCMethod<Choros_V1_ReadBlobRequest, Choros_V1_ReadBlobResponse>(
        path("ReadBlob"),
        isIdempotent: true
    )
    package static let readBlobs = RPCMethod<Choros_V1_ReadBlobsRequest, Choros_V1_ReadBlobsResponse>(
        path("ReadBlobs"),
        isIdempotent: true
    )
    package static let blobOid = RPCMethod<Choros_V1_BlobOidRequest, Choros_V1_BlobOidResponse>(
        path("BlobOid"),
        isIdempotent: true
    )
    package static let listRefs = RPCMethod<Choros_V1_ListRefsRequest, Choros_V1_ListRefsResponse>(
        path("ListRefs"),
        isIdempotent: true
    )
    package static let listPaths = RPCMethod<Choros_V1_ListPathsRequest, Choros_V1_ListPathsResponse>(
        path("ListPaths"),
        isIdempotent: true
    )
    package static let history = RPCMethod<Choros_V1_HistoryRequest, Choros_V1_HistoryResponse>(
        path("History"),
        isIdempotent: true
    )
    package static let changedPaths = RPCMethod<Choros_V1_ChangedPathsRequest, Choros_V1_ChangedPathsResponse>(
        path("ChangedPaths"),
        isIdempotent: true
    )
    package static let isAncestor = RPCMethod<Choros_V1_IsAncestorRequest, Choros_V1_IsAncestorResponse>(
        path("IsAncestor"),
        isIdempotent: true
    )
    package static let commit = RPCMethod<Choros_V1_CommitRequest, Choros_V1_CommitResponse>(
        path("Commit"),
        isIdempotent: false
    )
    package static let createBranch = RPCMethod<Choros_V1_CreateBranchRequest, Choros_V1_CreateBranchResponse>(
        path("CreateBranch"),
        isIdempotent: false
    )
    package static let createTag = RPCMethod<Choros_V1_CreateTagRequest, Choros_V1_CreateTagResponse>(
        path("CreateTag"),
        isIdempotent: true
    )
    package static let previewMerge = RPCMethod<Choros_V1_MergeRequest, Choros_V1_MergePreview>(
        path("PreviewMerge"),
        isIdempotent: true
    )
    package static let prepareMerge = RPCMethod<Choros_V1_MergeRequest, Choros_V1_PrepareMergeResponse>(
        path("PrepareMerge"),
        isIdempotent: true
    )
    package static let landMerge = RPCMethod<Choros_V1_LandMergeRequest, Choros_V1_LandMergeResponse>(
        path("LandMerge"),
        isIdempotent: false
    )
    package static let branchCreator = RPCMethod<Choros_V1_BranchCreatorRequest, Choros_V1_BranchCreatorResponse>(
        path("BranchCreator"),
        isIdempotent: true
    )
    package static let commitOps = RPCMethod<Choros_V1_CommitOpsRequest, Choros_V1_CommitOpsResponse>(
        path("CommitOps"),
        isIdempotent: true
    )
    package static let findOp = RPCMethod<Choros_V1_FindOpRequest, Choros_V1_FindOpResponse>(
        path("FindOp"),
        isIdempotent: true
    )
    package static let bootstrap = RPCMethod<Choros_V1_BootstrapRequest, Choros_V1_BootstrapResponse>(
        path("Bootstrap"),
        isIdempotent: false
    )
    package static let pushAll = RPCMethod<Choros_V1_PushAllRequest, Choros_V1_SyncReport>(
        path("PushAll"),
        isIdempotent: true
    )
    package static let verifySync = RPCMethod<Choros_V1_VerifySyncRequest, Choros_V1_SyncReport>(
        path("VerifySync"),
        isIdempotent: true
    )
    package static let fetch = RPCMethod<Choros_V1_FetchRequest, Choros_V1_FetchResponse>(
        path("Fetch"),
        isIdempotent: true
    )
    package static let promote = RPCMethod<Choros_V1_PromoteRequest, Choros_V1_PromoteResponse>(
        path("Promote"),
        isIdempotent: false
    )

    private static func path(_ method: String) -> String { "/choros.v1.Store/" + method }
}
