internal import ChorosCore
internal import ChorosProto
internal import GRDB
internal import SwiftProtobuf

extension ClaimGraph {
    /// The active claims under a key, each attributed; corrections first, then by confidence,
    /// then oldest first. Competing claims are all listed, never merged. A key refuted with
    /// scope `key` believes nothing.
    func belief(subject: String, predicate: String) async throws -> Choros_V1_BeliefResponse {
        let key = ClaimKey(subject: subject, predicate: predicate).rawValue
        return try await self.pool.read { db in
            var response = Choros_V1_BeliefResponse()
            response.claimKey = key
            if let refute = try String.fetchOne(
                db,
                sql: "SELECT op_id FROM claim_suppressions WHERE claim_key = ? AND scope = 'key' ORDER BY seq LIMIT 1",
                arguments: [key]
            ) {
                response.suppressedBy = refute
                return response
            }
            response.claims = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM claim_nodes WHERE claim_key = ? AND state = 'active' AND kind = 'claim'
                    ORDER BY corrects != '' DESC, confidence_ppm DESC, seq
                    """,
                arguments: [key]
            ).map { try Self.proto($0, in: db) }
            return response
        }
    }

    /// Claims citing an entry path (by the ops that committed it), or about a subject.
    func claims(for request: Choros_V1_ClaimsForRequest) async throws -> Choros_V1_ClaimsForResponse {
        let limit = request.limit == 0 ? 100 : Int(min(request.limit, 1000))
        return try await self.pool.read { db in
            let rows: [Row]
            if !request.entry.isEmpty {
                rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT DISTINCT c.* FROM claim_nodes e
                        JOIN claim_inputs i ON i.input = e.op_id
                        JOIN claim_nodes c ON c.op_id = i.claim
                        WHERE e.entry_path = ? AND e.kind = 'entry' ORDER BY c.seq LIMIT ?
                        """,
                    arguments: [request.entry, limit + 1]
                )
            } else {
                rows = try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM claim_nodes WHERE subject = ? AND kind = 'claim' ORDER BY seq LIMIT ?",
                    arguments: [request.subject, limit + 1]
                )
            }
            var response = Choros_V1_ClaimsForResponse()
            response.claims = try rows.prefix(limit).map { try Self.proto($0, in: db) }
            response.truncated = rows.count > limit
            return response
        }
    }

    /// The claim, then its inputs breadth-first back to evidence and entries, each with its
    /// author, time and state; for an invalidated claim, the cause and the path from it.
    func explain(_ id: String, maximumSteps: Int = 10_000) async throws -> Choros_V1_ClaimExplainResponse {
        try await self.pool.read { db in
            guard let row = try Self.node(id, in: db) else { throw ClaimGraphError.unknownNode(id) }
            var response = Choros_V1_ClaimExplainResponse()
            response.claim = try Self.proto(row, in: db)
            var seen: Set<String> = [id]
            var level = [id]
            var depth: UInt32 = 1
            while !level.isEmpty && response.chain.count < maximumSteps {
                var next: [String] = []
                for parent in level {
                    for input in try Self.inputs(of: parent, in: db) where seen.insert(input).inserted {
                        guard let inputRow = try Self.node(input, in: db) else { continue }
                        response.chain.append(
                            .with {
                                $0.node = (try? Self.proto(inputRow, in: db)) ?? .init()
                                $0.depth = depth
                                $0.citedBy = parent
                            }
                        )
                        next.append(input)
                    }
                }
                level = next
                depth += 1
            }
            let claim = response.claim
            if claim.state == "invalidated" {
                response.invalidationOp =
                    try String.fetchOne(
                        db,
                        sql: "SELECT op_id FROM claim_invalidations WHERE target = ? ORDER BY seq LIMIT 1",
                        arguments: [id]
                    ) ?? ""
            }
            if !claim.cause.isEmpty {
                response.cause = claim.cause
                response.causePath = claim.causePath
                if let causeRow = try Self.node(claim.cause, in: db) {
                    response.causeNode = try Self.proto(causeRow, in: db)
                } else if let suppression = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM claim_suppressions WHERE op_id = ?",
                    arguments: [claim.cause]
                ) {
                    response.causeNode = .with {
                        $0.opID = claim.cause
                        $0.kind = suppression["kind"]
                        $0.claimKey = suppression["claim_key"]
                    }
                }
            }
            return response
        }
    }

    /// What a new refute or correction of `root` would invalidate: the cascade's own walk,
    /// for a cause that has invalidated nothing yet.
    func cascadePreview(root: String) async throws -> Choros_V1_CascadeResponse {
        try await self.pool.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM claim_nodes WHERE op_id = ?", arguments: [root]) ?? false
            else { throw ClaimGraphError.unknownNode(root) }
            var response = Choros_V1_CascadeResponse()
            response.root = root
            response.pending = try Self.pending(
                try ClaimCascade.plan(
                    cause: "",
                    root: root,
                    dependents: { try Self.dependents(of: $0, in: db) },
                    isInvalidated: { _, _ in false }
                ),
                db: db
            )
            // No cause exists yet: each path starts at the claim itself.
            for index in response.pending.indices where response.pending[index].path.first == "" {
                response.pending[index].path.removeFirst()
            }
            return response
        }
    }

    private static func pending(
        _ plan: [ClaimCascade.Invalidation],
        db: Database
    ) throws
        -> [Choros_V1_ClaimInvalidation]
    {
        try plan.map { invalidation in
            var pending = Choros_V1_ClaimInvalidation()
            pending.target = invalidation.target
            pending.path = invalidation.path
            pending.targetAuthor =
                try String.fetchOne(
                    db,
                    sql: "SELECT author FROM claim_nodes WHERE op_id = ?",
                    arguments: [invalidation.target]
                ) ?? ""
            return pending
        }
    }

    /// The cascade of a refute or correction: what it must still invalidate, in emission
    /// order, and what it already has. Visits only the affected subgraph.
    func cascade(cause: String) async throws -> Choros_V1_CascadeResponse {
        try await self.pool.read { db in
            guard
                let root = try String.fetchOne(
                    db,
                    sql: "SELECT target FROM claim_suppressions WHERE op_id = ?",
                    arguments: [cause]
                )
            else { throw ClaimGraphError.notACause(cause) }
            let plan = try ClaimCascade.plan(
                cause: cause,
                root: root,
                dependents: { try Self.dependents(of: $0, in: db) },
                isInvalidated: { target, cause in
                    try Bool.fetchOne(
                        db,
                        sql: "SELECT 1 FROM claim_invalidations WHERE target = ? AND cause = ?",
                        arguments: [target, cause]
                    ) ?? false
                }
            )
            var response = Choros_V1_CascadeResponse()
            response.root = root
            response.pending = try Self.pending(plan, db: db)
            response.done = try Row.fetchAll(
                db,
                sql: """
                    SELECT i.target, i.path, i.op_id, n.author FROM claim_invalidations i
                    LEFT JOIN claim_nodes n ON n.op_id = i.target WHERE i.cause = ? ORDER BY i.seq
                    """,
                arguments: [cause]
            ).map { row in
                .with {
                    $0.target = row["target"]
                    $0.path = (row["path"] as String).split(separator: ",").map(String.init)
                    $0.opID = row["op_id"]
                    $0.targetAuthor = row["author"] ?? ""
                }
            }
            return response
        }
    }

    /// Claims downstream of the given nodes through inputs, breadth-first, with their hops.
    func downstreamClaims(of starts: [String], in db: Database) throws -> [Choros_V1_ImpactedClaim] {
        var seen = Set(starts)
        var level = starts.sorted()
        var depth: UInt32 = 1
        var claims: [Choros_V1_ImpactedClaim] = []
        while !level.isEmpty {
            var next: [String] = []
            for node in level {
                for dependent in try Self.dependents(of: node, in: db) where seen.insert(dependent).inserted {
                    next.append(dependent)
                }
            }
            next.sort()
            for id in next {
                guard let row = try Self.node(id, in: db) else { continue }
                let node = try Self.proto(row, in: db)
                claims.append(
                    .with {
                        $0.claim = node
                        $0.depth = depth
                    }
                )
            }
            level = next
            depth += 1
        }
        return claims
    }

    /// Cited-entry nodes at any of these paths.
    func entryNodes(at paths: [String], in db: Database) throws -> [String] {
        try paths.flatMap { path in
            try String.fetchAll(
                db,
                sql: "SELECT op_id FROM claim_nodes WHERE entry_path = ? AND kind = 'entry'",
                arguments: [path]
            )
        }
    }
}
