internal import ChorosProto
package import ChorosWire

/// Why the supervisor could not do what it was asked.
package enum SupervisorError: Error, CustomStringConvertible, WireErrorConvertible {
    case unknownDaemon(String)
    case executableNotFound(path: String)
    case cannotOpenLog(path: String)
    case daemonDidNotStart(name: String, reason: String)
    case stopping

    package var description: String {
        switch self {
        case .unknownDaemon(let name):
            "unknown daemon '\(name)': expected one of \((SupervisorRPC.daemonNames + SupervisorRPC.optionalDaemonNames).joined(separator: ", "))"
        case .executableNotFound(let path): "daemon executable not found at \(path)"
        case .cannotOpenLog(let path): "cannot open log file \(path)"
        case .daemonDidNotStart(let name, let reason): "choros-\(name) did not start: \(reason)"
        case .stopping: "the supervisor is stopping"
        }
    }

    package var rpcError: RPCError {
        switch self {
        case .unknownDaemon: RPCError(code: .notFound, message: self.description)
        case .stopping: RPCError(code: .unavailable, message: self.description)
        case .executableNotFound, .cannotOpenLog, .daemonDidNotStart:
            RPCError(code: .failedPrecondition, message: self.description)
        }
    }
}
