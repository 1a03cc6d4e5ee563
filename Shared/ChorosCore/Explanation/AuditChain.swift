package import ChorosProto
internal import Foundation

/// The audit log's hash chain (AUDIT.md), shared by the log that writes it and by anything
/// that checks a copied segment offline (`choros verify-bundle`).
package enum AuditChain {
    /// The hash before the first event.
    package static let genesis = String(repeating: "0", count: 64)

    /// SHA-256 of the canonical JSON of every field but `hash`, with `previous` as prev_hash.
    package static func hash(
        seq: Int64,
        ts: Int64,
        actor: String,
        op: String,
        targetRef: String,
        targetPath: String,
        opID: String,
        requestKey: String,
        resultOID: String,
        outcome: String,
        detail: JSONValue,
        envelope: String?,
        previous: String
    ) -> String {
        let fields: JSONValue = [
            "seq": .integer(seq),
            "ts": .integer(ts),
            "actor": .string(actor),
            "op": .string(op),
            "target_ref": .string(targetRef),
            "target_path": .string(targetPath),
            "op_id": .string(opID),
            "request_key": .string(requestKey),
            "result_oid": .string(resultOID),
            "outcome": .string(outcome),
            "detail": detail,
            "envelope": envelope.map { .string($0) } ?? .null,
            "prev_hash": .string(previous),
        ]
        return Digest.sha256Hex(CanonicalJSON.encode(fields))
    }

    /// The JSON form of an event in a bundle: every hashed field, `detail` as an object and
    /// `envelope` as the exact string the log hashed (or null).
    package static func json(_ event: Choros_V1_AuditEvent) -> JSONValue {
        [
            "seq": .integer(Int64(event.seq)),
            "ts": .integer(event.ts),
            "actor": .string(event.actor),
            "op": .string(event.op),
            "target_ref": .string(event.targetRef),
            "target_path": .string(event.targetPath),
            "op_id": .string(event.opID),
            "request_key": .string(event.requestKey),
            "result_oid": .string(event.resultOid),
            "outcome": .string(event.outcome),
            "detail": (try? JSONParser.parse(Array(event.detail))) ?? .object([:]),
            "envelope": event.envelope.isEmpty ? .null : .string(String(decoding: event.envelope, as: UTF8.self)),
            "prev_hash": .string(event.prevHash),
            "hash": .string(event.hash),
        ]
    }

    /// Recomputes an event's hash from its JSON form; nil when a field is missing.
    package static func recompute(_ event: JSONValue) -> String? {
        guard let seq = event["seq"]?.integerValue, let ts = event["ts"]?.integerValue,
            let previous = event["prev_hash"]?.stringValue, let detail = event["detail"]
        else { return nil }
        let text = { (field: String) in event[field]?.stringValue ?? "" }
        return Self.hash(
            seq: seq,
            ts: ts,
            actor: text("actor"),
            op: text("op"),
            targetRef: text("target_ref"),
            targetPath: text("target_path"),
            opID: text("op_id"),
            requestKey: text("request_key"),
            resultOID: text("result_oid"),
            outcome: text("outcome"),
            detail: detail,
            envelope: event["envelope"]?.stringValue,
            previous: previous
        )
    }
}
