internal import ChorosWire

/// What the supervisor knows about one daemon. A value owned by the `Supervisor` actor.
struct ManagedDaemon {
    enum State: Equatable {
        case stopped
        case starting
        case running
        /// Crashed; a restart is scheduled.
        case backoff
        /// Being restarted on request: its exit is expected.
        case restarting
        /// Will not be restarted (a bad configuration: exit 78).
        case failed(String)

        var label: String {
            switch self {
            case .stopped: "stopped"
            case .starting: "starting"
            case .running: "running"
            case .backoff: "backoff"
            case .restarting: "restarting"
            case .failed(let reason): "failed: \(reason)"
            }
        }
    }

    let name: String
    let client: WireClient
    var state: State = .stopped
    var process: DaemonProcess?
    /// Bumped at every launch, so a restart timer set for an older launch does nothing.
    var generation = 0
    var restarts: UInt32 = 0
    var backoff: Duration
    var lastExit = ""
}
