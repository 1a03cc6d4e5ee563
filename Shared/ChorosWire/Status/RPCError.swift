package import ChorosProto

/// A call's failure as it crosses the wire: a gRPC code, a message naming the gate and the
/// values involved, and optional machine-readable details.
package struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    package var code: Choros_V1_Code
    package var message: String
    package var details: [String: String]

    package init(code: Choros_V1_Code, message: String, details: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.details = details
    }

    package init(status: Choros_V1_Status) {
        self.init(code: status.code, message: status.message, details: status.details)
    }

    package var status: Choros_V1_Status {
        var status = Choros_V1_Status()
        status.code = self.code
        status.message = self.message
        status.details = self.details
        return status
    }

    package var description: String { "\(self.code.name): \(self.message)" }
}

/// A domain error that knows its wire form. This is the one place errors map to codes: the
/// server converts anything else to INTERNAL with a fixed message and logs the original.
package protocol WireErrorConvertible: Error {
    var rpcError: RPCError { get }
}

extension RPCError: WireErrorConvertible {
    package var rpcError: RPCError { self }
}

extension Choros_V1_Code {
    /// The canonical upper-case name, as gRPC spells it ("DEADLINE_EXCEEDED").
    package var name: String {
        switch self {
        case .ok: "OK"
        case .cancelled: "CANCELLED"
        case .unknown: "UNKNOWN"
        case .invalidArgument: "INVALID_ARGUMENT"
        case .deadlineExceeded: "DEADLINE_EXCEEDED"
        case .notFound: "NOT_FOUND"
        case .alreadyExists: "ALREADY_EXISTS"
        case .permissionDenied: "PERMISSION_DENIED"
        case .resourceExhausted: "RESOURCE_EXHAUSTED"
        case .failedPrecondition: "FAILED_PRECONDITION"
        case .aborted: "ABORTED"
        case .outOfRange: "OUT_OF_RANGE"
        case .unimplemented: "UNIMPLEMENTED"
        case .internal: "INTERNAL"
        case .unavailable: "UNAVAILABLE"
        case .dataLoss: "DATA_LOSS"
        case .unauthenticated: "UNAUTHENTICATED"
        case .UNRECOGNIZED(let value): "CODE_\(value)"
        }
    }
}
