package import ChorosProto
package import ChorosWire

/// A refusal: the gate that said no, why, and the values involved. Every refusal is also an
/// audit event (`outcome: denied`) carrying the same gate and reason.
package struct GatewayRefusal: Error, Sendable, CustomStringConvertible, WireErrorConvertible {
    /// Which check refused: `handshake`, `identity`, `op`, `lane`, `input`, `idempotency`,
    /// or `<tool>.<guard>` for a tool's own guards (`propose.reconciled`).
    package var gate: String
    package var code: Choros_V1_Code
    package var reason: String

    package init(_ gate: String, _ code: Choros_V1_Code, _ reason: String) {
        self.gate = gate
        self.code = code
        self.reason = reason
    }

    package var description: String { "\(self.gate): \(self.reason)" }
    package var rpcError: RPCError {
        RPCError(code: self.code, message: self.description, details: ["gate": self.gate])
    }

    static func input(_ reason: String) -> GatewayRefusal { GatewayRefusal("input", .invalidArgument, reason) }
    static func lane(_ reason: String) -> GatewayRefusal { GatewayRefusal("lane", .permissionDenied, reason) }
}
