internal import ChorosProto
internal import GRDB

extension SearchIndex {
    func search(_ request: Choros_V1_SearchRequest) async throws -> (hits: [Choros_V1_SearchHit], isDegraded: Bool) {
        try await SearchIndexQueries(database: self.database, embedder: self.embedder, vectors: self.vectors)
            .hybridSearch(request)
    }
}

/// The read queries of the index, over its database (and vectors, when there is an embedder).
struct SearchIndexQueries: Sendable {
    let database: IndexDatabase
    var embedder: (any Embedder)? = nil
    var vectors: VectorStore? = nil

    /// Reciprocal rank fusion's constant: a hit's fused score is Σ 1 / (k + rank).
    static let fusionK = 60.0
    /// How deep each ranking is read before fusing.
    static let candidateDepth = 50

    /// BM25 alone without an embedder; with one, BM25 and cosine similarity fused by
    /// reciprocal rank fusion. A failed query embedding answers with BM25 and `isDegraded`.
    func hybridSearch(
        _ request: Choros_V1_SearchRequest
    ) async throws -> (hits: [Choros_V1_SearchHit], isDegraded: Bool) {
        guard let embedder = self.embedder, let vectors = self.vectors else {
            return (try await self.search(request), false)
        }
        let limit = request.limit == 0 ? 10 : Int(min(request.limit, 100))
        var wide = request
        wide.limit = UInt32(Self.candidateDepth)
        let lexical = try await self.search(wide)
        guard let queryVector = try? await embedder.embedQuery(request.query) else {
            return (Array(lexical.prefix(limit)), true)
        }
        let nearest = vectors.nearest(to: queryVector, k: Self.candidateDepth * 4)
        let semantic = try await self.filteredHits(ids: nearest.map(\.id), request: request)
        var fused: [String: (hit: Choros_V1_SearchHit, score: Double)] = [:]
        for (ranking, hits) in [lexical, Array(semantic.prefix(Self.candidateDepth))].enumerated() {
            for (rank, hit) in hits.enumerated() {
                let key = hit.ref + "\u{0}" + hit.path
                let contribution = 1 / (Self.fusionK + Double(rank + 1))
                fused[key, default: (hit, 0)].score += contribution
                if ranking == 0 { fused[key]?.hit = hit }
            }
        }
        let ranked = fused.values.sorted { $0.score != $1.score ? $0.score > $1.score : $0.hit.path < $1.hit.path }
        return (
            ranked.prefix(limit).map { entry in
                var hit = entry.hit
                hit.score = entry.score
                return hit
            }, false
        )
    }

    /// The rows among `ids` that pass the request's filters, in the order of `ids`.
    private func filteredHits(ids: [Int64], request: Choros_V1_SearchRequest) async throws -> [Choros_V1_SearchHit] {
        guard !ids.isEmpty, request.type != "msg", request.type != "vap" else { return [] }
        var sql = """
            SELECT e.* FROM entries e WHERE e.id IN (\(ids.map(String.init).joined(separator: ",")))
              AND e.type NOT IN ('msg', 'vap') AND e.path NOT LIKE 'messages/%' AND e.path NOT LIKE 'vantages/%'
            """
        var arguments: [String] = []
        try Self.applyFilters(request, to: &sql, arguments: &arguments)
        let statement = sql
        let values = arguments
        let rows = try await self.database.pool.read { db in
            try IndexedEntry.fetchAll(db, sql: statement, arguments: StatementArguments(values))
        }
        let byID = Dictionary(rows.compactMap { row in row.id.map { ($0, row) } }) { first, _ in first }
        return ids.compactMap { byID[$0] }.map { Self.hit($0, score: 0) }
    }

    /// Scope, type and status, shared by both rankings.
    static func applyFilters(_ request: Choros_V1_SearchRequest, to sql: inout String, arguments: inout [String]) throws
    {
        switch request.scope {
        case "", "all": break
        case "canon": sql += " AND e.is_canon = 1"
        case "mine":
            guard !request.caller.isEmpty else { throw SearchError.scopeNeedsCaller }
            sql += " AND e.ref = ?"
            arguments.append(SearchIndex.perspectivePrefix + request.caller)
        default: throw SearchError.unknownScope(request.scope)
        }
        if !request.type.isEmpty {
            sql += " AND e.type = ?"
            arguments.append(request.type)
        }
        if !request.includeSuperseded { sql += " AND e.status = 'active'" }
    }

    static func hit(_ entry: IndexedEntry, score: Double) -> Choros_V1_SearchHit {
        var hit = Choros_V1_SearchHit()
        hit.path = entry.path
        hit.ref = entry.ref
        hit.author = entry.author
        hit.isCanon = entry.isCanon
        hit.type = entry.type
        hit.title = entry.title
        hit.status = entry.status
        hit.score = score
        hit.preview = SearchIndex.preview(entry.body)
        return hit
    }

    /// BM25 over title (weighted ×2) and body, filtered by scope, type and status; equal
    /// scores by ref and path, so a reindex (new row ids) answers the same. Messages and
    /// vantages are excluded here, whatever the request says. What is ranked is bounded
    /// (`RankingPlan`), so a query whose words are in every entry costs what a rare one does.
    func search(_ request: Choros_V1_SearchRequest) async throws -> [Choros_V1_SearchHit] {
        let query = try SearchQuery(request.query)
        guard !query.terms.isEmpty, request.type != "msg", request.type != "vap" else { return [] }
        let limit = request.limit == 0 ? 10 : Int(min(request.limit, 100))
        var filters = ""
        var filterArguments: [String] = []
        try Self.applyFilters(request, to: &filters, arguments: &filterArguments)
        let where_ = filters
        let values = filterArguments
        return try await self.database.pool.read { db in
            let plan = try RankingPlan(terms: query.terms, db: db)
            // Read deeper only when the filters leave too few of the best candidates.
            var depth = min(RankingPlan.postingBudget, max(limit * 20, 200))
            while true {
                var arguments: [any DatabaseValueConvertible] = [plan.match]
                var inner =
                    "SELECT rowid, bm25(entries_fts, 2.0, 1.0) AS rank FROM entries_fts WHERE entries_fts MATCH ?"
                if let floor = plan.rowidFloor {
                    inner += " AND rowid >= ?"
                    arguments.append(floor)
                }
                inner += " ORDER BY rank LIMIT \(depth)"
                arguments += values as [any DatabaseValueConvertible]
                let sql = """
                    SELECT e.*, c.rank FROM (\(inner)) c JOIN entries e ON e.id = c.rowid
                    WHERE e.type NOT IN ('msg', 'vap') AND e.path NOT LIKE 'messages/%' AND e.path NOT LIKE 'vantages/%'
                    \(where_) ORDER BY c.rank, e.ref, e.path LIMIT \(limit)
                    """
                let hits = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                    Self.hit(try IndexedEntry(row: row), score: -(row["rank"] as Double))
                }
                if hits.count >= limit || depth >= RankingPlan.postingBudget { return hits }
                depth = min(RankingPlan.postingBudget, depth * 4)
            }
        }
    }
}

/// What one search ranks, chosen so its cost is bounded whatever the corpus: the query's
/// terms from rarest up while their postings fit `postingBudget` (each term's count is read
/// capped, so counting costs no more than the budget either). A term left out is one found in
/// so many entries that it barely moves BM25 (its IDF is near zero). When even the rarest term
/// is in more entries than the budget, its `window` newest entries are ranked.
struct RankingPlan {
    static let postingBudget = 4_000
    static let window = 2_000

    let match: String
    let rowidFloor: Int64?

    init(terms: [String], db: Database) throws {
        var seen: Set<String> = []
        var counted: [(term: String, postings: Int)] = []
        for term in terms where seen.insert(term.lowercased()).inserted {
            let postings =
                try Int.fetchOne(
                    db,
                    sql: "SELECT count(*) FROM (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? LIMIT ?)",
                    arguments: [Self.phrase(term), Self.postingBudget + 1]
                ) ?? 0
            counted.append((term, postings))
        }
        counted.sort { $0.postings < $1.postings }
        var chosen: [String] = []
        var total = 0
        for (term, postings) in counted where total + postings <= Self.postingBudget {
            chosen.append(term)
            total += postings
        }
        if chosen.isEmpty, let rarest = counted.first {
            self.match = Self.phrase(rarest.term)
            self.rowidFloor = try Int64.fetchOne(
                db,
                sql: "SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                arguments: [self.match, Self.window - 1]
            )
        } else {
            self.match = chosen.map(Self.phrase).joined(separator: " OR ")
            self.rowidFloor = nil
        }
    }

    /// A term as an FTS5 string: quoted, so no FTS5 syntax from the caller reaches SQLite.
    static func phrase(_ term: String) -> String { "\"" + term + "\"" }
}

extension SearchIndex {
    /// The first 160 characters of the body on one line.
    static func preview(_ body: String) -> String {
        String(body.split(whereSeparator: \.isWhitespace).joined(separator: " ").prefix(160))
    }
}
