package import ChorosProto
package import ChorosWire

/// A refusal of the airlock or the landing routine: the gate that said no, and why, with the
/// values involved (expected seq, staged oids, windows).
package struct AirlockRefusal: Error, Sendable, CustomStringConvertible, WireErrorConvertible {
    /// `log_entry`, `merge`, `approval`, `peer`, `staged`, `code`, `floor`, `rate`, ...
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
}
