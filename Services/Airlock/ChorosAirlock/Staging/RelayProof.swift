internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation

/// Who relays a code: the instance whose signed op the gateway verified, checked again here
/// (TRUST.md: a daemon verifies what it writes; rate limits key on a proven identity, never
/// on a field the caller sent). The `instance` field of the request is not read.
struct RelayProof {
    let configuration: ChorosConfiguration

    /// The enrolled name behind `envelope`, an op of `type` whose body carries `field` = `value`.
    func instance(
        envelope: Data,
        opID: String,
        type: OperationType,
        field: String,
        value: String,
        registry: InstanceRegistry
    ) throws -> String {
        // The gateway is the authority on which ops ran (`prev`); the signature, the key's
        // enrollment and the freshness are checked here again.
        let verifier = try OperationVerifier(configuration: self.configuration)
        let verified: VerifiedOperation
        do {
            verified = try verifier.verify(
                json: Array(envelope),
                ledger: RegistryLedger(registry: registry),
                now: Int64(Date().timeIntervalSince1970 * 1000)
            )
        } catch {
            throw Refusal(.relay, error.rpcError.code, "the relayed op does not verify: \(error.description)")
        }
        let operation = verified.operation
        guard operation.type == type else {
            throw Refusal(
                .relay,
                .invalidArgument,
                "a \(type.rawValue) call needs a \(type.rawValue) op, got \(operation.type.rawValue)"
            )
        }
        guard operation.id.rawValue == opID else {
            throw Refusal(
                .relay,
                .invalidArgument,
                "op_id \(opID.prefix(80)) is not the relayed op's \(operation.id.rawValue)"
            )
        }
        guard operation.body[field]?.stringValue == value else {
            throw Refusal(.relay, .invalidArgument, "the relayed op's \(field) is not '\(value.prefix(80))'")
        }
        guard let record = registry.record(for: operation.author) else {
            throw Refusal(.relay, .permissionDenied, "key \(operation.author) is not enrolled")
        }
        return record.name.rawValue
    }
}
