import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

@Suite("Claims through the gateway and choros-admin", .serialized)
struct ClaimFlowTests {
    @Test("evidence, two derived levels, a diamond; refute the root; invalidations, suppression, belief, messages")
    func refuteCascade() async throws {
        try await GatewayFixture.with { fixture in
            try await fixture.preparePractitioner()
            let alice = try await fixture.connect("alice")
            let bob = try await fixture.connect("bob")
            let entry = try await alice.call(
                "kip_commit",
                ["domain": "notes", "slug": "meadow", "body": "Marmots graze the meadow.", "op_id": "m"]
            )
            let entryOp = try #require(entry["signed_op_id"] as? String)
            let sighting = try await alice.evidence("e1")
            let root = try await alice.assert(
                "r",
                predicate: "diet",
                value: ["food": "grass"],
                inputs: [sighting, entryOp]
            )
            let level1 = try await bob.assert("d1", predicate: "habitat", value: ["where": "meadow"], inputs: [root])
            let level2 = try await alice.assert("d2", predicate: "range", value: ["km": 2], inputs: [level1])
            let diamond = try await bob.assert(
                "d3",
                predicate: "season",
                value: ["when": "summer"],
                inputs: [root, level1]
            )
            let unrelated = try await bob.assert("u", predicate: "color", value: ["is": "brown"], inputs: [sighting])

            // Inputs must exist already: nothing can cite what is not yet there (no cycles).
            let future = "op_" + String(repeating: "ab", count: 32)
            let missing = await expectRefusal(.notFound, gate: "claim.inputs") {
                try await alice.assert("cyc", predicate: "loop", value: ["x": 1], inputs: [future])
            }
            #expect(missing.contains(future))
            // An instance retracts only its own claims.
            await expectRefusal(.permissionDenied, gate: "claim.retract") {
                try await bob.call("claim_retract", ["target": .string(root), "reason": "mine now", "op_id": "rt"])
            }
            // A retried assert is a replay naming the original claim.
            let again = try await alice.call(
                "claim_assert",
                [
                    "subject": "marmot", "predicate": "diet", "value": ["food": "grass"], "confidence_ppm": 800_000,
                    "deriver": "test", "deriver_version": "1", "inputs": [.string(sighting), .string(entryOp)],
                    "rationale": "because", "op_id": "r",
                ]
            )
            #expect(again["id"] as? String == root)
            #expect(again["replayed"] as? Bool == true)

            let believed = try await bob.call("belief", ["subject": "marmot", "predicate": "diet"])
            let before = believed["claims"] as? [[String: Any]] ?? []
            #expect(before.map { $0["op_id"] as? String } == [root])
            #expect(before.first?["author"] as? String == "alice")
            #expect(before.first?["confidence_ppm"] as? Int == 800_000)

            // The practitioner refutes the root: exactly one invalidation per derived claim,
            // breadth-first then by op id, each with its shortest path.
            let refuted = try await fixture.judge(["refute", root, "--reason", "they eat flowers", "--scope", "value"])
            let cause = try #require(refuted["op_id"] as? String)
            let expected =
                [(level1, [cause, root, level1]), (diamond, [cause, root, diamond])]
                .sorted { $0.0 < $1.0 } + [(level2, [cause, root, level1, level2])]
            #expect(refuted.invalidations.map(\.target) == expected.map(\.0))
            #expect(refuted.invalidations.map(\.path) == expected.map(\.1))
            let invalidateEvents = try await fixture.claimEvents(.claimInvalidate)
            #expect(invalidateEvents.count == 3)
            let systemKey = try SigningKey.load(from: fixture.keysDirectory + "/system.key")
            for event in invalidateEvents {
                #expect(event.actor == "system")
                let op = try OperationVerifier.verifyIntegrity(json: Array(event.envelope))
                #expect(op.author == systemKey.author)
            }
            // Running the cascade again emits nothing new.
            let rerun = try await fixture.judge(["cascade", cause])
            #expect(rerun.invalidations.count == 3)
            #expect(try await fixture.claimEvents(.claimInvalidate).count == 3)

            // The unrelated claim is untouched; the derived ones are gone from belief.
            #expect(try await fixture.explain(unrelated).claim.state == "active")
            for derived in [level1, level2, diamond] {
                #expect(try await fixture.explain(derived).claim.state == "invalidated")
            }
            #expect(try await fixture.explain(root).claim.state == "refuted")
            let after = try await bob.call("belief", ["subject": "marmot", "predicate": "diet"])
            #expect((after["claims"] as? [[String: Any]] ?? []).isEmpty)

            // Value-scope suppression: the refuted value is refused naming the refute; another
            // value is fine.
            let suppressed = await expectRefusal(.failedPrecondition, gate: "claim.suppressed") {
                try await bob.assert("again", predicate: "diet", value: ["food": "grass"], inputs: [sighting])
            }
            #expect(suppressed.contains(cause))
            let flowers = try await bob.assert("fl", predicate: "diet", value: ["food": "flowers"], inputs: [sighting])
            // An invalidated input may not be derived from.
            await expectRefusal(.failedPrecondition, gate: "claim.inputs") {
                try await bob.assert("late", predicate: "fur", value: ["is": "thick"], inputs: [level2])
            }

            // The explanation: the chain back to evidence and the entry, with states, and the
            // path to the cause.
            let explained = try await alice.call("claim_explain", ["claim": .string(level2)])
            let explanation = try #require(explained["explanation"] as? [String: Any])
            #expect(explanation["cause"] as? String == cause)
            #expect(explanation["cause_path"] as? [String] == [cause, root, level1, level2])
            let chain = (explanation["chain"] as? [[String: Any]] ?? []).compactMap { $0["node"] as? [String: Any] }
            #expect(chain.map { $0["op_id"] as? String } == [level1, root, sighting, entryOp])
            #expect(chain.map { $0["state"] as? String } == ["invalidated", "refuted", "active", "active"])
            #expect(chain.last?["entry_path"] as? String == "notes/meadow.md")
            let recorded = try await alice.call(
                "explanation_record",
                ["claim": .string(level2), "summary": "derived from a refuted diet claim", "op_id": "x1"]
            )
            let records = try await fixture.claimEvents(.explanationRecord)
            #expect(records.map(\.opID) == [recorded["id"] as? String])
            let recordOp = try OperationVerifier.verifyIntegrity(json: Array(records[0].envelope))
            #expect(recordOp.body["chain"]?.arrayValue?.count == 6)

            // One system message per author of invalidated claims, naming claim, cause, path.
            for (client, mine) in [(alice, [level2]), (bob, [level1, diamond])] {
                let inbox = try await client.call("imp_check")["messages"] as? [[String: Any]] ?? []
                let fromSystem = inbox.filter { $0["from"] as? String == "system" }
                #expect(fromSystem.count == 1)
                let path = try #require(fromSystem.first?["path"] as? String)
                let text = String(
                    decoding: try await fixture.daemons.store.call(
                        StoreRPC.readBlob,
                        .with {
                            $0.rev = "refs/cap/perspectives/system"
                            $0.path = path
                        }
                    ).content,
                    as: UTF8.self
                )
                #expect(text.contains(cause))
                for claim in mine { #expect(text.contains(claim)) }
                #expect(text.contains(" → "))
            }

            // Key-scope suppression: nothing more under the key.
            let keyRefute = try await fixture.judge([
                "refute", flowers, "--reason", "diet is unknowable", "--scope", "key",
            ])
            let keyCause = try #require(keyRefute["op_id"] as? String)
            let refusal = await expectRefusal(.failedPrecondition, gate: "claim.suppressed") {
                try await alice.assert("nuts", predicate: "diet", value: ["food": "nuts"], inputs: [sighting])
            }
            #expect(refusal.contains(keyCause))
            #expect(
                try await bob.call("belief", ["subject": "marmot", "predicate": "diet"])["suppressed_by"] as? String
                    == keyCause
            )

            // Every claim op is in the audit log with its envelope.
            for type in [OperationType.evidenceAdd, .claimAssert, .claimRefute, .claimInvalidate, .explanationRecord] {
                let events = try await fixture.claimEvents(type)
                #expect(!events.isEmpty, "\(type)")
                #expect(events.allSatisfy { !$0.envelope.isEmpty }, "\(type)")
            }
            #expect(try await fixture.daemons.verify(checkEnvelopes: true).ok)

            // Deleting the index and reindexing rebuilds the identical graph and states.
            let claims = [sighting, root, level1, level2, diamond, unrelated, flowers]
            var snapshot: [String] = []
            for claim in claims { snapshot.append(try await fixture.explain(claim).textFormatString()) }
            try await fixture.daemons.stop("index")
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(
                    atPath: fixture.daemons.directory.path + "/data/index.sqlite" + suffix
                )
            }
            try await fixture.daemons.start("index")
            let rebuilt = try await fixture.daemons.index.call(
                IndexRPC.reindex,
                .init(),
                options: CallOptions(timeout: .seconds(60))
            )
            #expect(rebuilt.claimOps == UInt64(try await Self.claimOpCount(fixture)))
            var replayed: [String] = []
            for claim in claims { replayed.append(try await fixture.explain(claim).textFormatString()) }
            #expect(replayed == snapshot)
            await alice.close()
            await bob.close()
        }
    }

    static func claimOpCount(_ fixture: GatewayFixture) async throws -> Int {
        var count = 0
        for type in [
            OperationType.evidenceAdd, .claimAssert, .claimRetract, .claimRefute, .claimCorrect, .claimInvalidate,
            .explanationRecord,
        ] {
            count += try await fixture.claimEvents(type).count
        }
        return count
    }
}

@Suite("Claims: corrections, superseded entries, lineage, bundles", .serialized)
struct ClaimCorrectionTests {
    @Test("correcting makes the corrected value the belief, first, and invalidates what derived from it")
    func correction() async throws {
        try await GatewayFixture.with { fixture in
            try await fixture.preparePractitioner()
            let alice = try await fixture.connect("alice")
            let bob = try await fixture.connect("bob")
            let sighting = try await alice.evidence("e")
            let wrong = try await alice.assert("w", predicate: "weight", value: ["kg": 9], inputs: [sighting])
            let competing = try await bob.assert(
                "c",
                predicate: "weight",
                value: ["kg": 5],
                inputs: [sighting],
                confidence: 900_000
            )
            let derived = try await bob.assert("d", predicate: "size", value: ["is": "large"], inputs: [wrong])
            let corrected = try await fixture.judge([
                "correct", wrong, "--value", "{\"kg\":6}", "--reason", "scale was off",
            ])
            let correction = try #require(corrected["op_id"] as? String)
            #expect(corrected.invalidations.map(\.target) == [derived])
            #expect(corrected.invalidations.map(\.path) == [[correction, wrong, derived]])

            let belief = try await alice.call("belief", ["subject": "marmot", "predicate": "weight"])
            let claims = belief["claims"] as? [[String: Any]] ?? []
            #expect(claims.map { $0["op_id"] as? String } == [correction, competing])
            #expect(claims.first?["author"] as? String == "practitioner")
            #expect(claims.first?["value_json"] as? String == "{\"kg\":6}")
            #expect(claims.first?["corrects"] as? String == wrong)
            #expect(try await fixture.explain(wrong).claim.state == "corrected")
            // The corrected-away value is not asserted again.
            await expectRefusal(.failedPrecondition, gate: "claim.suppressed") {
                try await bob.assert("again", predicate: "weight", value: ["kg": 9], inputs: [sighting])
            }
            await alice.close()
            await bob.close()
        }
    }

    @Test("a superseded canon entry flags the claims citing it; lineage_impact lists entries and claims downstream")
    func supersededEntry() async throws {
        try await GatewayFixture.with { fixture in
            try await fixture.preparePractitioner()
            let alice = try await fixture.connect("alice")
            let proposed = try await alice.call(
                "propose",
                ["proposal_id": "p1", "domain": "notes", "slug": "a", "body": "Marmots hibernate.", "op_id": "a"]
            )
            try await alice.call(
                "propose",
                ["proposal_id": "p1", "domain": "meta/log", "slug": "1", "body": "Hibernation.", "op_id": "l1"]
            )
            let entryOp = try #require(proposed["signed_op_id"] as? String)
            let cites = try await alice.assert(
                "h",
                predicate: "winter",
                value: ["does": "hibernate"],
                inputs: [entryOp]
            )
            let downstream = try await alice.assert("h2", predicate: "spring", value: ["does": "wake"], inputs: [cites])
            #expect(try await fixture.admin(["land", "p1"]).status == 0)

            let canon = try await fixture.daemons.store.call(
                StoreRPC.readBlob,
                .with {
                    $0.rev = "refs/heads/main"
                    $0.path = "notes/a.md"
                }
            )
            var flipped = try Entry(parsing: String(decoding: canon.content, as: UTF8.self))
            try flipped.set("status", .scalar("superseded"))
            try flipped.set("superseded_by", .scalar("notes/b.md"))
            try await fixture.rawProposal(
                "p2",
                [
                    "notes/a.md": flipped.text,
                    "notes/b.md":
                        "---\ntype: kno\ntitle: b\nsupersedes: notes/a.md\n---\n\nMarmots hibernate in burrows.\n",
                    "meta/log/2.md": GatewayFixture.logEntry("2"),
                ]
            )
            let landed = try await fixture.admin(["land", "p2"])
            #expect(landed.status == 0, "\(landed.error)")

            // The successor also in a perspective: lineage lists the path once.
            try await fixture.daemons.commitAndIndex(
                author: "bob",
                ["notes/b.md": "---\ntype: kno\ntitle: b\nsupersedes: notes/a.md\n---\n\nA copy.\n"]
            )
            let citing = try await alice.call("claims_for", ["entry": "notes/a.md"])["claims"] as? [[String: Any]] ?? []
            #expect(citing.map { $0["op_id"] as? String } == [cites])
            #expect(citing.first?["input_superseded"] as? Bool == true)
            #expect(citing.first?["state"] as? String == "active")
            let impact = try await alice.call("lineage_impact", ["path": "notes/a.md"])
            #expect(impact["entries"] as? [String] == ["notes/b.md"])
            let impacted = (impact["claims"] as? [[String: Any]] ?? []).compactMap { $0["claim"] as? [String: Any] }
            #expect(impacted.map { $0["op_id"] as? String } == [cites, downstream])
            let byOp = try await alice.call("lineage_impact", ["op": .string(cites)])
            let byOpClaims = (byOp["claims"] as? [[String: Any]] ?? []).compactMap { $0["claim"] as? [String: Any] }
            #expect(byOpClaims.map { $0["op_id"] as? String } == [downstream])
            await expectRefusal(.invalidArgument, gate: "input") {
                try await alice.call("lineage_impact", ["path": "../etc/passwd"])
            }
            await alice.close()
        }
    }

    @Test("an explanation bundle verifies offline; any tampering is named")
    func bundle() async throws {
        try await GatewayFixture.with { fixture in
            try await fixture.preparePractitioner()
            let alice = try await fixture.connect("alice")
            let bob = try await fixture.connect("bob")
            let entry = try await alice.call(
                "kip_commit",
                ["domain": "notes", "slug": "burrow", "body": "Burrows have two exits.", "op_id": "b"]
            )
            let sighting = try await alice.evidence("e")
            let root = try await alice.assert(
                "r",
                predicate: "exits",
                value: ["n": 2],
                inputs: [sighting, try #require(entry["signed_op_id"] as? String)]
            )
            let derived = try await bob.assert("d", predicate: "escape", value: ["easy": true], inputs: [root])
            _ = try await fixture.judge(["refute", root, "--reason", "three exits"])
            try await bob.call("imp_send", ["recipients": ["alice"], "subject": "hi", "body": "noise", "op_id": "n"])

            let file = fixture.daemons.directory.path + "/bundle.json"
            let explained = try await fixture.admin(["explain", derived, "--bundle", file])
            #expect(explained.status == 0, "\(explained.error)")
            #expect(explained.output.contains("invalidated"))
            let system = try SigningKey.load(from: fixture.keysDirectory + "/system.key").author.rawValue
            // Offline: every daemon stopped.
            for name in GatewayFixture.allDaemons.reversed() { try await fixture.daemons.stop(name) }
            let verified = try await Self.verifyBundle(fixture, file, "--system-key", system)
            #expect(verified.status == 0, "\(verified.output)")
            #expect(verified.output.contains("verified: claim \(derived)"))

            let original = try #require(FileManager.default.contents(atPath: file))
            let json = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
            let events = try #require(json["events"] as? [[String: Any]])
            let ops = try #require(json["ops"] as? [[String: Any]])

            // An edited event, a forged signature, a missing provenance op, a foreign anchor key.
            var edited = json
            var editedEvents = events
            editedEvents[1]["actor"] = "mallory"
            edited["events"] = editedEvents
            let seq = editedEvents[1]["seq"] as? Int ?? 0
            try await Self.expectRejected(fixture, edited, naming: "event \(seq): hash does not recompute")

            var forged = json
            var forgedOps = ops
            let signature = forgedOps[0]["sig"] as? String ?? ""
            forgedOps[0]["sig"] = String(signature.reversed())
            forged["ops"] = forgedOps
            try await Self.expectRejected(fixture, forged, naming: "op \(ops[0]["op_id"] as? String ?? "")")

            var partial = json
            partial["ops"] = ops.filter { $0["op_id"] as? String != root }
            try await Self.expectRejected(fixture, partial, naming: "\(root), named by")

            let foreign = try await Self.verifyBundle(
                fixture,
                file,
                "--system-key",
                try SigningKey.generate().author.rawValue
            )
            #expect(foreign.status == 1)
            #expect(foreign.error.contains("not the system key"))
            let unreadable = try await Self.verifyBundle(fixture, file + ".missing")
            #expect(unreadable.status == 2 && unreadable.error.contains("cannot read"))
        }
    }

    static func verifyBundle(
        _ fixture: GatewayFixture,
        _ arguments: String...
    ) async throws -> (status: Int32, output: String, error: String) {
        let result = try await ChildProcess.run(
            "choros",
            ["verify-bundle"] + arguments,
            outputDirectory: fixture.daemons.directory.path,
            timeout: .seconds(30)
        )
        return (result.status, result.output, result.error)
    }

    static func expectRejected(
        _ fixture: GatewayFixture,
        _ json: [String: Any],
        naming problem: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let path = fixture.daemons.directory.path + "/tampered.json"
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        let result = try await Self.verifyBundle(fixture, path)
        #expect(result.status == 1, sourceLocation: sourceLocation)
        #expect(result.error.contains("NOT VERIFIED: \(problem)"), "\(result.error)", sourceLocation: sourceLocation)
        #expect(result.output.isEmpty, "a failure prints nothing on stdout", sourceLocation: sourceLocation)
    }
}
