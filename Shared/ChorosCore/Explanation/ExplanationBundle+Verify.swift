/// The first thing in a bundle that does not verify.
package struct BundleProblem: Error, CustomStringConvertible, Equatable {
    package let description: String
    init(_ description: String) { self.description = description }
}

/// What a verified bundle proves.
package struct VerifiedBundle: Sendable, Equatable {
    package var claim: String
    package var ops: Int
    package var firstSeq: Int64
    package var anchorSeq: Int64
    package var systemAuthor: String
}

extension ExplanationBundle {
    /// Checks a bundle with nothing but its bytes: every op's id and signature, that each op
    /// is in the chain segment exactly as signed, that the provenance chain is closed, every
    /// link of the hash chain, and the anchor's head and system signature.
    ///
    /// - Parameter systemAuthor: the deployment's system key, when the verifier knows it;
    ///   otherwise the anchor's own signer is reported for the reader to compare.
    package static func verify(_ bytes: [UInt8], systemAuthor: String? = nil) throws(BundleProblem) -> VerifiedBundle {
        guard let json = try? JSONParser.parse(bytes) else { throw BundleProblem("the file is not JSON") }
        guard json["format"]?.stringValue == Self.format else {
            throw BundleProblem("format is not \(Self.format)")
        }
        guard let claim = json["claim"]?.stringValue, let opList = json["ops"]?.arrayValue,
            let events = json["events"]?.arrayValue, !events.isEmpty, let anchor = json["anchor"]?["file"]
        else { throw BundleProblem("claim, ops, events or anchor is missing") }

        let anchorSeq = try Self.verifyAnchor(anchor, systemAuthor: systemAuthor)
        var previous: String?
        var envelopes: [String: String] = [:]
        for event in events {
            let seq = event["seq"]?.integerValue ?? -1
            guard let hash = event["hash"]?.stringValue, let recomputed = AuditChain.recompute(event) else {
                throw BundleProblem("event \(seq) lacks a hashed field")
            }
            guard recomputed == hash else {
                throw BundleProblem("event \(seq): hash does not recompute (stored \(hash), computed \(recomputed))")
            }
            if let previous, event["prev_hash"]?.stringValue != previous {
                throw BundleProblem("event \(seq): prev_hash does not link to the event before it")
            }
            previous = hash
            if let id = event["op_id"]?.stringValue, let envelope = event["envelope"]?.stringValue {
                envelopes[id] = envelope
            }
        }
        let firstSeq = events.first?["seq"]?.integerValue ?? 0
        for (offset, event) in events.enumerated() where event["seq"]?.integerValue != firstSeq + Int64(offset) {
            throw BundleProblem("the chain segment skips from \(firstSeq + Int64(offset) - 1)")
        }
        guard events.last?["seq"]?.integerValue == anchorSeq, previous == anchor["head"]?.stringValue else {
            throw BundleProblem("the chain segment does not end at the anchored head (seq \(anchorSeq))")
        }

        var ops: [String: SignedOperation] = [:]
        for value in opList {
            let canonical = CanonicalJSON.encode(value)
            let operation: SignedOperation
            do { operation = try OperationVerifier.verifyIntegrity(json: canonical) } catch {
                throw BundleProblem("op \(value["op_id"]?.stringValue ?? "?"): \(error.description)")
            }
            let id = operation.id.rawValue
            guard envelopes[id] == String(decoding: canonical, as: UTF8.self) else {
                throw BundleProblem("op \(id) is not in the chain segment as signed")
            }
            ops[id] = operation
        }
        try Self.verifyProvenance(claim: claim, ops: ops)
        return VerifiedBundle(
            claim: claim,
            ops: ops.count,
            firstSeq: firstSeq,
            anchorSeq: anchorSeq,
            systemAuthor: anchor["author"]?.stringValue ?? ""
        )
    }

    private static func verifyAnchor(_ anchor: JSONValue, systemAuthor: String?) throws(BundleProblem) -> Int64 {
        guard let seq = anchor["seq"]?.integerValue, let head = anchor["head"]?.stringValue,
            let ts = anchor["ts"]?.integerValue, let authorText = anchor["author"]?.stringValue,
            let author = try? AuthorID(parsing: authorText),
            let signature = anchor["sig"]?.stringValue.flatMap(Hex.decode)
        else { throw BundleProblem("the anchor file is malformed") }
        let payload: JSONValue = [
            "seq": .integer(seq), "head": .string(head), "ts": .integer(ts), "author": .string(authorText),
        ]
        guard author.verifies(signature, over: CanonicalJSON.encode(payload)) else {
            throw BundleProblem("the anchor's signature does not verify")
        }
        if let systemAuthor, systemAuthor != authorText {
            throw BundleProblem("the anchor is signed by \(authorText), not the system key \(systemAuthor)")
        }
        return seq
    }

    /// Every op the claim's provenance names is in the bundle.
    private static func verifyProvenance(claim: String, ops: [String: SignedOperation]) throws(BundleProblem) {
        guard ops[claim] != nil else { throw BundleProblem("the claim \(claim) is not among the ops") }
        var pending = [claim]
        var seen: Set<String> = [claim]
        while let id = pending.popLast() {
            guard let operation = ops[id] else { continue }
            let strings = { (field: String) in operation.body[field]?.arrayValue?.compactMap(\.stringValue) ?? [] }
            var named: [String] = []
            switch operation.type {
            case .claimAssert: named = strings("inputs")
            case .claimInvalidate: named = strings("path")
            default: break
            }
            for next in named where seen.insert(next).inserted {
                guard ops[next] != nil else {
                    throw BundleProblem("\(next), named by \(id), is not among the ops")
                }
                pending.append(next)
            }
        }
    }
}
