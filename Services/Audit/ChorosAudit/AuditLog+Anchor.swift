internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// The anchor committed as `audit-head.json` on `refs/cap/audit-anchor`.
struct AuditAnchor: Sendable {
    static let ref = "refs/cap/audit-anchor"
    static let path = "audit-head.json"

    var seq: Int64
    var head: String
    var ts: Int64
    var author: AuthorID
    var signature: [UInt8]

    var signedPayload: JSONValue {
        [
            "seq": .integer(self.seq), "head": .string(self.head), "ts": .integer(self.ts),
            "author": .string(self.author.rawValue),
        ]
    }

    var fileContent: [UInt8] {
        guard case .object(var members) = self.signedPayload else { return [] }
        members["sig"] = .string(Hex.encode(self.signature))
        return CanonicalJSON.encode(.object(members))
    }

    init(seq: Int64, head: String, ts: Int64, key: SigningKey) {
        self.seq = seq
        self.head = head
        self.ts = ts
        self.author = key.author
        self.signature = []
        self.signature = key.sign(CanonicalJSON.encode(self.signedPayload))
    }

    /// Reads an anchor file and checks its system signature.
    init(fileContent: [UInt8], expectedAuthor: AuthorID) throws {
        guard let value = try? JSONParser.parse(fileContent), let seq = value["seq"]?.integerValue,
            let head = value["head"]?.stringValue, let ts = value["ts"]?.integerValue,
            let signature = value["sig"]?.stringValue.flatMap(Hex.decode)
        else { throw AuditError.anchorFailed("\(Self.path) is malformed") }
        self.seq = seq
        self.head = head
        self.ts = ts
        self.author = expectedAuthor
        self.signature = signature
        guard value["author"]?.stringValue == expectedAuthor.rawValue,
            expectedAuthor.verifies(self.signature, over: CanonicalJSON.encode(self.signedPayload))
        else { throw AuditError.anchorFailed("\(Self.path) is not signed by the system key (forged?)") }
    }
}

extension AuditLog {
    /// Commits the current head as the anchor (a commit per anchor, by `system`).
    func anchor() async throws -> (seq: Int64, head: String, commit: String) {
        let head = try await self.head()
        let anchor = AuditAnchor(seq: head.seq, head: head.hash, ts: Self.now, key: self.systemKey)
        let parent = try await self.anchorTip() ?? ""
        var request = Choros_V1_CommitRequest()
        request.ref = AuditAnchor.ref
        request.author = "system"
        request.subject = "audit anchor @ seq \(head.seq)"
        request.expectedParent = parent
        request.changes = [
            .with {
                $0.path = AuditAnchor.path
                $0.content = Data(anchor.fileContent)
            }
        ]
        request.op = try SystemCommit.sign(
            ref: AuditAnchor.ref,
            changes: request.changes,
            key: self.systemKey,
            deployment: self.deployment
        )
        let response = try await self.store.call(StoreRPC.commit, request)
        return (head.seq, head.hash, response.commitOid)
    }

    private func anchorTip() async throws -> String? {
        do {
            return try await self.store.call(StoreRPC.resolve, .with { $0.ref = AuditAnchor.ref }).oid
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }

    /// Audit vs anchor: nil when no anchor exists yet, else whether the head recomputed at
    /// the anchored seq equals the anchored head.
    func compareWithAnchor() async throws -> (matches: Bool, seq: Int64)? {
        let content: Data
        do {
            content = try await self.store.call(
                StoreRPC.readBlob,
                .with {
                    $0.rev = AuditAnchor.ref
                    $0.path = AuditAnchor.path
                }
            ).content
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
        let anchor = try AuditAnchor(fileContent: [UInt8](content), expectedAuthor: self.systemKey.author)
        let recomputed = try? await self.headAt(anchor.seq)
        return (recomputed == anchor.head, anchor.seq)
    }
}
