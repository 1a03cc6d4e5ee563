package import ChorosProto
package import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// A verifiable explanation (CLAIMS.md): one file holding the claim, every signed op on its
/// provenance chain, their audit events inside the contiguous hash-chain segment that runs
/// up to the nearest git anchor, and that anchor — enough to check it all offline.
///
/// The file is canonical JSON:
/// `{format, claim, explanation, ops: [envelope…], events: [event…], anchor: {commit, file}}`.
package struct ExplanationBundle: Sendable {
    package static let format = "choros.explanation-bundle.v1"
    static let anchorRef = "refs/cap/audit-anchor"
    static let anchorPath = "audit-head.json"

    package var json: JSONValue
    package var canonicalBytes: [UInt8] { CanonicalJSON.encode(self.json) }

    /// Every op the explanation names: the claim, its chain, and what ended it.
    static func opIDs(of explanation: Choros_V1_ClaimExplainResponse) -> [String] {
        var ids = [explanation.claim.opID] + explanation.chain.map(\.node.opID)
        ids += [explanation.cause, explanation.invalidationOp, explanation.claim.corrects] + explanation.causePath
        var seen: Set<String> = []
        return ids.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// Collects the ops' audit events, anchors the log if no anchor covers them yet, and
    /// copies the chain segment from the first of them to the nearest covering anchor.
    package static func build(
        explanation: Choros_V1_ClaimExplainResponse,
        audit: WireClient,
        store: WireClient
    ) async throws -> ExplanationBundle {
        var opEvents: [Choros_V1_AuditEvent] = []
        for id in Self.opIDs(of: explanation) {
            let events = try await audit.call(AuditRPC.find, .with { $0.opID = id }).events
            guard let event = events.first(where: { !$0.envelope.isEmpty }) else {
                throw RPCError(code: .notFound, message: "the audit log holds no signed envelope for \(id)")
            }
            opEvents.append(event)
        }
        let first = opEvents.map(\.seq).min() ?? 0
        let last = opEvents.map(\.seq).max() ?? 0
        let anchor = try await Self.nearestAnchor(covering: last, audit: audit, store: store)
        var segment: [Choros_V1_AuditEvent] = []
        var since = first > 0 ? first - 1 : 0
        while since < anchor.seq {
            let page = try await audit.call(
                AuditRPC.events,
                .with {
                    $0.sinceSeq = since
                    $0.limit = 1000
                }
            )
            segment += page.events.filter { $0.seq <= anchor.seq }
            guard page.hasMore_p, let next = page.events.last?.seq else { break }
            since = next
        }
        let explanationBytes: [UInt8] = try explanation.jsonUTF8Bytes(options: Self.jsonOptions)
        let explanationJSON = (try? JSONParser.parse(explanationBytes)) ?? .object([:])
        return ExplanationBundle(json: [
            "format": .string(Self.format),
            "claim": .string(explanation.claim.opID),
            "explanation": explanationJSON,
            "ops": .array(opEvents.compactMap { try? JSONParser.parse(Array($0.envelope)) }),
            "events": .array(segment.map(AuditChain.json)),
            "anchor": ["commit": .string(anchor.commit), "file": anchor.file],
        ])
    }

    package init(json: JSONValue) { self.json = json }

    static let jsonOptions: JSONEncodingOptions = {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        options.alwaysPrintInt64sAsNumbers = true
        return options
    }()

    /// The oldest anchor at or after `seq` (anchoring now when none is), found by walking the
    /// anchor ref back from its tip: the walk stops at the first anchor older than `seq`.
    private static func nearestAnchor(
        covering seq: UInt64,
        audit: WireClient,
        store: WireClient
    ) async throws -> (seq: UInt64, commit: String, file: JSONValue) {
        if try await Self.anchorFile(at: Self.anchorRef, store: store).map({ $0.seq < seq }) ?? true {
            _ = try await audit.call(AuditRPC.anchor, .init())
        }
        let history = try await store.call(
            StoreRPC.history,
            .with {
                $0.rev = Self.anchorRef
                $0.path = Self.anchorPath
                $0.limit = 256
            }
        ).entries
        var nearest: (seq: UInt64, commit: String, file: JSONValue)?
        for entry in history {
            guard let file = try await Self.anchorFile(at: entry.oid, store: store), file.seq >= seq else { break }
            nearest = (file.seq, entry.oid, file.json)
        }
        guard let nearest else {
            throw RPCError(code: .failedPrecondition, message: "no audit anchor covers seq \(seq)")
        }
        return nearest
    }

    private static func anchorFile(at rev: String, store: WireClient) async throws -> (seq: UInt64, json: JSONValue)? {
        do {
            let blob = try await store.call(
                StoreRPC.readBlob,
                .with {
                    $0.rev = rev
                    $0.path = Self.anchorPath
                }
            )
            guard let json = try? JSONParser.parse(Array(blob.content)), let seq = json["seq"]?.integerValue else {
                return nil
            }
            return (UInt64(max(0, seq)), json)
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }
}
