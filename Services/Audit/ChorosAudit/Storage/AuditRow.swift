internal import ChorosCore
internal import ChorosProto
internal import Foundation
internal import GRDB

/// One row of the `events` table: an event with its place in the chain.
struct AuditRow: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    static let databaseTableName = "events"
    /// The hash before the first event.
    static let genesis = AuditChain.genesis

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

    /// The chain link (`AuditChain.hash`), with `previous` as prev_hash.
    func computeHash(previous: String) -> String {
        AuditChain.hash(
            seq: self.seq,
            ts: self.ts,
            actor: self.actor,
            op: self.op,
            targetRef: self.targetRef,
            targetPath: self.targetPath,
            opID: self.opID,
            requestKey: self.requestKey,
            resultOID: self.resultOID,
            outcome: self.outcome,
            detail: (try? JSONParser.parse(Array(self.detail.utf8))) ?? .object([:]),
            envelope: self.envelope.map { String(decoding: $0, as: UTF8.self) },
            previous: previous
        )
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
