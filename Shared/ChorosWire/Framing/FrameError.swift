internal import ChorosProto

/// Why a connection's byte stream could not be read as frames; every case closes that connection.
package enum FrameError: Error, Equatable, CustomStringConvertible {
    /// The length prefix announced more bytes than the configured limit allows.
    case tooLarge(length: Int, limit: Int)
    /// The body did not decode as a `choros.v1.Frame`.
    case undecodable(length: Int)
    /// A frame of a kind this side does not accept (e.g. a RESPONSE sent to a server).
    case unexpectedKind(rawValue: Int)
    /// A REQUEST or CANCEL with call_id 0.
    case missingCallID

    package var description: String {
        switch self {
        case .tooLarge(let length, let limit):
            "frame of \(length) bytes exceeds the limit of \(limit) bytes"
        case .undecodable(let length):
            "frame body of \(length) bytes does not decode as choros.v1.Frame"
        case .unexpectedKind(let rawValue):
            "frame kind \(rawValue) is not accepted here"
        case .missingCallID:
            "frame has no call_id"
        }
    }

    /// The status sent in the error frame before the connection closes.
    package var rpcError: RPCError {
        switch self {
        case .tooLarge(let length, let limit):
            RPCError(
                code: .resourceExhausted,
                message: self.description,
                details: ["limit": String(limit), "length": String(length)]
            )
        case .undecodable, .unexpectedKind, .missingCallID:
            RPCError(code: .invalidArgument, message: self.description)
        }
    }
}
