internal import ChorosCore
internal import ChorosProto
internal import Foundation
internal import GRDB

/// One row of the `events` table: an event with its place in the chain.
struct AuditRow: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    static let databaseTableName = "events"
    /// The hash before the first event.
    static let genesis = String(repeating: "0", count: 64)

    var seq: Int64
    var ts: Int64
    var actor: String
    var op: String
    var targetRef: String
    var targetPath: String
    var opID: String
    var requestKey: String
    var resultOID: String
    var outcome: String
    /// Canonical JSON of an object.
    var detail: String
    /// The signed op's canonical envelope, when there is one.
    var envelope: Data?
    var prevHash: String
    var hash: String

    enum CodingKeys: String, CodingKey {
        case seq, ts, actor, op, outcome, detail, envelope, hash
        case targetRef = "target_ref"
        case targetPath = "target_path"
        case opID = "op_id"
        case requestKey = "request_key"
        case resultOID = "result_oid"
        case prevHash = "prev_hash"
    }

    /// SHA-256 of the canonical JSON of every field but `hash`, with `prevHash` as given.
    func computeHash(previous: String) -> String {
        let detail = (try? JSONParser.parse(Array(self.detail.utf8))) ?? .object([:])
        let envelope: JSONValue = self.envelope.map { .string(String(decoding: $0, as: UTF8.self)) } ?? .null
        let fields: JSONValue = [
            "seq": .integer(self.seq),
            "ts": .integer(self.ts),
            "actor": .string(self.actor),
            "op": .string(self.op),
            "target_ref": .string(self.targetRef),
            "target_path": .string(self.targetPath),
            "op_id": .string(self.opID),
            "request_key": .string(self.requestKey),
            "result_oid": .string(self.resultOID),
            "outcome": .string(self.outcome),
            "detail": detail,
            "envelope": envelope,
            "prev_hash": .string(previous),
        ]
        return Digest.sha256Hex(CanonicalJSON.encode(fields))
    }

    var proto: Choros_V1_AuditEvent {
        var event = Choros_V1_AuditEvent()
        event.seq = UInt64(self.seq)
        event.ts = self.ts
        event.actor = self.actor
        event.op = self.op
        event.targetRef = self.targetRef
        event.targetPath = self.targetPath
        event.opID = self.opID
        event.requestKey = self.requestKey
        event.resultOid = self.resultOID
        event.outcome = self.outcome
        event.detail = Data(self.detail.utf8)
        event.envelope = self.envelope ?? Data()
        event.prevHash = self.prevHash
        event.hash = self.hash
        return event
    }
}
