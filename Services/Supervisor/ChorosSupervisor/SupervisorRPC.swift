package import ChorosProto
package import ChorosWire

/// The methods of `choros.v1.Supervisor`, served on `supervisor.sock`.
package enum SupervisorRPC {
    package static let status = RPCMethod<Choros_V1_SupervisorStatusRequest, Choros_V1_SupervisorStatusResponse>(
        "/choros.v1.Supervisor/Status",
        isIdempotent: true
    )
    package static let restart = RPCMethod<Choros_V1_SupervisorRestartRequest, Choros_V1_SupervisorRestartResponse>(
        "/choros.v1.Supervisor/Restart",
        isIdempotent: false
    )
    package static let stop = RPCMethod<Choros_V1_SupervisorStopRequest, Choros_V1_SupervisorStopResponse>(
        "/choros.v1.Supervisor/Stop",
        isIdempotent: true
    )

    /// The daemons, in start order; they stop in reverse.
    package static let daemonNames = ["store", "audit", "index", "airlock", "gateway"]
    /// Daemons a deployment runs when configured (`http_enabled`), after the others.
    package static let optionalDaemonNames = ["http"]
}
