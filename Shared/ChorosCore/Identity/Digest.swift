/// Hashes other services need by name (libsodium underneath).
package enum Digest {
    /// SHA-256 as 64 lowercase hex digits: the audit chain's link.
    package static func sha256Hex(_ bytes: [UInt8]) -> String {
        Hex.encode(Sodium.sha256(bytes))
    }
}

extension OperationVerifier {
    /// Re-checks a stored envelope on its own: well-formed, its op id recomputes, and its
    /// signature verifies. Enrollment and freshness were checked when it ran and are not
    /// re-judged (a key revoked since does not invalidate its past ops).
    package static func verifyIntegrity(json bytes: [UInt8]) throws(OperationError) -> SignedOperation {
        struct Everything: OperationLedger {
            func isKnown(_ id: OpID) -> Bool { true }
            func record(for author: AuthorID) -> InstanceRecord? {
                // Any record will do: integrity does not depend on the registry.
                InstanceRecord(name: InstanceName(trusted: "historical"), author: author, enrolledAt: 0)
            }
        }
        let verifier = OperationVerifier(freshnessSeconds: Int(Int32.max))
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw .malformedEnvelope(error.description) }
        let timestamp = value["ts"]?.integerValue ?? 0
        return try verifier.verify(json: bytes, ledger: Everything(), now: timestamp).operation
    }
}
