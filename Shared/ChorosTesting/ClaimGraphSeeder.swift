package import ChorosCore
internal import ChorosProto
package import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// A random provenance graph for tests and benchmarks: evidence, then claims each derived
/// from one to three earlier nodes (so chains and diamonds), signed by the given keys and
/// written as the gateway would leave them: audited with their envelopes, then projected.
/// Written straight to the audit log and the index, to build large graphs quickly.
package struct ClaimGraphSeeder {
    package struct Claim: Sendable {
        package var id: String
        package var inputs: [String]
    }

    package private(set) var evidence: [String] = []
    package private(set) var claims: [Claim] = []
    package let subject: String
    private var generator: SeededGenerator

    package init(subject: String = "graph", seed: UInt64 = 42) {
        self.subject = subject
        self.generator = SeededGenerator(seed: seed)
    }

    /// Appends `evidenceCount` evidence ops and `claimCount` claims. Claim 0 (the root) cites
    /// evidence only; each later claim cites an earlier claim with probability `derivedShare`
    /// per input. Written in batches.
    package mutating func seed(
        evidenceCount: Int,
        claimCount: Int,
        derivedShare: Double = 0.5,
        authors: [(name: String, key: SigningKey)],
        audit: WireClient,
        index: WireClient,
        batch: Int = 500
    ) async throws {
        var pending: [(name: String, op: SignedOperation)] = []
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        func flush() async throws {
            guard !pending.isEmpty else { return }
            let events = try await audit.call(
                AuditRPC.append,
                .with {
                    $0.events = pending.map { item in
                        .with {
                            $0.actor = item.name
                            $0.op = item.op.type.rawValue
                            $0.opID = item.op.id.rawValue
                            $0.targetPath = item.op.body["claim_key"]?.stringValue ?? ""
                            $0.outcome = "ok"
                            $0.envelope = Data(item.op.canonicalBytes)
                        }
                    }
                },
                options: CallOptions(timeout: .seconds(60))
            ).events
            _ = try await index.call(
                IndexRPC.claimApply,
                .with { $0.events = events },
                options: CallOptions(timeout: .seconds(60))
            )
            pending.removeAll()
        }
        for number in 0..<evidenceCount {
            let author = authors[number % authors.count]
            let op = try SignedOperation.make(
                type: .evidenceAdd,
                body: [
                    "source": "seed", "kind": "reading", "content": ["n": .integer(Int64(self.evidence.count))],
                    "observed_at": .integer(now),
                ],
                timestamp: now,
                key: author.key,
                deployment: nil
            )
            self.evidence.append(op.id.rawValue)
            pending.append((author.name, op))
            if pending.count >= batch { try await flush() }
        }
        for _ in 0..<claimCount {
            let number = self.claims.count
            var inputs: [String] = []
            let wanted = number == 0 ? 1 : Int.random(in: 1...3, using: &self.generator)
            while inputs.count < wanted {
                let derived = number > 0 && Double.random(in: 0..<1, using: &self.generator) < derivedShare
                let input =
                    derived
                    ? self.claims[Int.random(in: 0..<number, using: &self.generator)].id
                    : self.evidence[Int.random(in: 0..<self.evidence.count, using: &self.generator)]
                if !inputs.contains(input) { inputs.append(input) }
            }
            let author = authors[number % authors.count]
            let predicate = "p\(number)"
            let op = try SignedOperation.make(
                type: .claimAssert,
                body: [
                    "claim_key": .string(ClaimKey(subject: self.subject, predicate: predicate).rawValue),
                    "subject": .string(self.subject), "predicate": .string(predicate),
                    "value": ["n": .integer(Int64(number))], "confidence_ppm": 500_000, "deriver": "seed",
                    "deriver_version": "1", "inputs": .array(inputs.map { .string($0) }), "rationale": "seeded",
                ],
                timestamp: now,
                key: author.key,
                deployment: nil
            )
            self.claims.append(Claim(id: op.id.rawValue, inputs: inputs))
            pending.append((author.name, op))
            if pending.count >= batch { try await flush() }
        }
        try await flush()
    }

    /// Hops from `root` to every claim that derives from it, transitively (breadth-first).
    package func distances(from root: String) -> [String: Int] {
        var dependents: [String: [String]] = [:]
        for claim in self.claims { for input in claim.inputs { dependents[input, default: []].append(claim.id) } }
        var distance: [String: Int] = [root: 0]
        var level = [root]
        while !level.isEmpty {
            var next: [String] = []
            for node in level {
                for dependent in dependents[node] ?? [] where distance[dependent] == nil {
                    distance[dependent] = distance[node]! + 1
                    next.append(dependent)
                }
            }
            level = next
        }
        distance[root] = nil
        return distance
    }
}
