package import ChorosProto
internal import Foundation

extension SignedOperation {
    /// The wire form: the body travels as its canonical JSON bytes.
    package var proto: Choros_V1_SignedOp {
        var message = Choros_V1_SignedOp()
        message.v = UInt32(Self.version)
        message.type = self.type.rawValue
        message.author = self.author.rawValue
        message.ts = self.timestamp
        message.prev = self.previous.map(\.rawValue)
        message.body = Data(self.canonicalBody)
        message.sig = Hex.encode(self.signature)
        message.opID = self.id.rawValue
        message.dep = self.deployment ?? ""
        return message
    }
}

extension OperationVerifier {
    /// Verifies a `SignedOp` from the wire: its fields become the JSON envelope the checks
    /// run on, so the proto and JSON forms are refused for exactly the same reasons.
    package func verify(
        _ message: Choros_V1_SignedOp,
        ledger: some OperationLedger,
        now: Int64
    ) throws(OperationError) -> VerifiedOperation {
        var envelope: [String: JSONValue] = [:]
        if message.hasV { envelope["v"] = .integer(Int64(message.v)) }
        if !message.type.isEmpty { envelope["type"] = .string(message.type) }
        if !message.author.isEmpty { envelope["author"] = .string(message.author) }
        if message.hasTs { envelope["ts"] = .integer(message.ts) }
        envelope["prev"] = .array(message.prev.map { .string($0) })
        var bodyProblem: BodyError?
        if !message.body.isEmpty {
            do {
                let body = try JSONParser.parse(Array(message.body))
                if CanonicalJSON.encode(body) != Array(message.body) {
                    bodyProblem = BodyError(field: "body", problem: "is not in canonical form (RFC 8785)")
                }
                envelope["body"] = body
            } catch {
                bodyProblem = BodyError(field: "body", problem: "is not canonical-subset JSON: \(error)")
                envelope["body"] = .object([:])
            }
        }
        if !message.sig.isEmpty { envelope["sig"] = .string(message.sig) }
        if !message.opID.isEmpty { envelope["op_id"] = .string(message.opID) }
        if !message.dep.isEmpty { envelope["dep"] = .string(message.dep) }
        return try self.verify(envelope: envelope, ledger: ledger, now: now, bodyProblem: bodyProblem)
    }
}
