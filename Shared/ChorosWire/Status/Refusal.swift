package import ChorosProto

/// A service's refusal: the gate that said no, why, and the values involved. Every service
/// that refuses names its gate the same way, so a client (and the audit log) can tell
/// `propose.reconciled` from `log_entry` without parsing prose.
package struct Refusal: Error, Sendable, CustomStringConvertible, WireErrorConvertible {
    /// Which check refused (`Refusal.Gate`).
    package var gate: Gate
    package var code: Choros_V1_Code
    package var reason: String

    package init(_ gate: Gate, _ code: Choros_V1_Code, _ reason: String) {
        self.gate = gate
        self.code = code
        self.reason = reason
    }

    package var description: String { "\(self.gate): \(self.reason)" }
    package var rpcError: RPCError {
        RPCError(code: self.code, message: self.description, details: ["gate": self.gate.name])
    }
}
