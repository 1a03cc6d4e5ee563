package import ChorosProto

/// The methods of `choros.v1.Admin` (served on `admin.sock` to the practitioner) and
/// `choros.v1.Airlock` (served on `airlock.sock` to the other daemons), airlock.proto.
package enum AdminRPC {
    package static let preview = RPCMethod<Choros_V1_LandPreviewRequest, Choros_V1_LandPreview>(
        "/choros.v1.Admin/Preview",
        isIdempotent: true
    )
    /// Idempotent: the approval names one candidate, which lands at most once.
    package static let land = RPCMethod<Choros_V1_ConsoleLandRequest, Choros_V1_LandResult>(
        "/choros.v1.Admin/Land",
        isIdempotent: true
    )
    package static let enroll = RPCMethod<Choros_V1_RegistryChangeRequest, Choros_V1_RegistryChangeResponse>(
        "/choros.v1.Admin/Enroll",
        isIdempotent: true
    )
    package static let revoke = RPCMethod<Choros_V1_RegistryChangeRequest, Choros_V1_RegistryChangeResponse>(
        "/choros.v1.Admin/Revoke",
        isIdempotent: true
    )
    /// Idempotent: the same signed refute/correct is recorded once; its cascade only fills
    /// in what is missing.
    package static let claimJudge = RPCMethod<Choros_V1_ClaimJudgeRequest, Choros_V1_ClaimJudgeResponse>(
        "/choros.v1.Admin/ClaimJudge",
        isIdempotent: true
    )
    package static let cascadeRun = RPCMethod<Choros_V1_CascadeRunRequest, Choros_V1_ClaimJudgeResponse>(
        "/choros.v1.Admin/CascadeRun",
        isIdempotent: true
    )
    package static let staged = RPCMethod<Choros_V1_StagedListRequest, Choros_V1_StagedListResponse>(
        "/choros.v1.Admin/Staged",
        isIdempotent: true
    )
}

package enum AirlockRPC {
    /// A TOTP code is consumed once: never retried.
    package static let stage = RPCMethod<Choros_V1_StageRequest, Choros_V1_StagedProposal>(
        "/choros.v1.Airlock/Stage",
        isIdempotent: false
    )
    package static let land = RPCMethod<Choros_V1_AirlockLandRequest, Choros_V1_LandResult>(
        "/choros.v1.Airlock/Land",
        isIdempotent: false
    )
    package static let revert = RPCMethod<Choros_V1_RevertRequest, Choros_V1_RevertResponse>(
        "/choros.v1.Airlock/Revert",
        isIdempotent: true
    )
    package static let stagedState = RPCMethod<Choros_V1_StagedStateRequest, Choros_V1_StagedStateResponse>(
        "/choros.v1.Airlock/StagedState",
        isIdempotent: true
    )
}

/// The connector methods, served on both sockets: `airlock.sock` for the HTTP door (a TOTP
/// approval, the door's events), `admin.sock` for the practitioner (a console approval).
package enum ConnectorRPC {
    /// Spends a TOTP window (airlock.sock): never retried.
    package static let approve = RPCMethod<Choros_V1_ConnectorApproveRequest, Choros_V1_ConnectorApproveResponse>(
        "/choros.v1.Airlock/ConnectorApprove",
        isIdempotent: false
    )
    package static let event = RPCMethod<Choros_V1_ConnectorEventRequest, Choros_V1_ConnectorEventResponse>(
        "/choros.v1.Airlock/ConnectorEvent",
        isIdempotent: false
    )
    /// Not retried: each approval is an audit event of its own.
    package static let consoleApprove =
        RPCMethod<Choros_V1_ConnectorApproveRequest, Choros_V1_ConnectorApproveResponse>(
            "/choros.v1.Admin/ConnectorApprove",
            isIdempotent: false
        )
    package static let consoleEvent = RPCMethod<Choros_V1_ConnectorEventRequest, Choros_V1_ConnectorEventResponse>(
        "/choros.v1.Admin/ConnectorEvent",
        isIdempotent: false
    )
}
