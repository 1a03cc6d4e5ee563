internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import GRDB
internal import SwiftProtobuf

extension SearchIndex {
    var claims: ClaimGraph { ClaimGraph(pool: self.database.pool, audit: self.audit) }

    /// Checks an op before it is audited; a refusal is an answer, not an error.
    func checkClaim(_ request: Choros_V1_ClaimCheckRequest) async throws -> Choros_V1_ClaimCheckResponse {
        let op = try ClaimOp(envelope: Array(request.envelope), actor: request.actor, seq: 0)
        guard let refusal = try await self.claims.check(op) else { return .with { $0.ok = true } }
        return .with {
            $0.gate = refusal.gate.name
            $0.code = refusal.code
            $0.reason = refusal.reason
        }
    }

    /// Everything downstream of a path (entries via references/supersedes, then the claims
    /// citing any of them, transitively) or of an op (the claims derived from it).
    func lineageImpact(_ request: Choros_V1_LineageImpactRequest) async throws -> Choros_V1_LineageImpactResponse {
        var response = Choros_V1_LineageImpactResponse()
        var starts: [String] = []
        var paths: [String] = []
        if !request.op.isEmpty {
            starts = [request.op]
            let path = try await self.database.pool.read { db in
                try String.fetchOne(
                    db,
                    sql: "SELECT entry_path FROM claim_nodes WHERE op_id = ? AND kind = 'entry'",
                    arguments: [request.op]
                )
            }
            if let path { paths = [path] }
        } else {
            paths = [request.path]
        }
        // A path that is in canon and in a perspective links from each: list it once.
        var listed = Set(paths)
        for path in paths {
            for link in try await self.lineage(of: path, direction: "down") where listed.insert(link.from).inserted {
                response.entries.append(link.from)
            }
        }
        let allPaths = paths + response.entries
        let opStarts = starts
        response.claims = try await self.database.pool.read { db in
            let claims = self.claims
            return try claims.downstreamClaims(of: opStarts + (try claims.entryNodes(at: allPaths, in: db)), in: db)
        }
        return response
    }

    /// Replays every claim op of the audit log, in its order, into emptied claim tables.
    func reindexClaims() async throws -> Int {
        try await self.claims.clear()
        var since: UInt64 = 0
        var applied = 0
        while true {
            let page = try await self.audit.call(
                AuditRPC.events,
                .with {
                    $0.ops = ClaimOp.types.map(\.rawValue)
                    $0.sinceSeq = since
                    $0.limit = 1000
                },
                // A page of 1,000 events is bulk work: on a loaded machine it outlasted 5 s.
                options: CallOptions(timeout: .seconds(60))
            )
            let events = page.events.filter { $0.outcome == "ok" && !$0.envelope.isEmpty }
            applied += try await self.claims.apply(events).applied
            guard page.hasMore_p else { return applied }
            since = page.nextSinceSeq
        }
    }
}
