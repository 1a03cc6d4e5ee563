internal import ChorosProto
internal import GRDB

extension SearchIndex {
    func search(_ request: Choros_V1_SearchRequest) async throws -> [Choros_V1_SearchHit] {
        try await SearchIndexQueries(database: self.database).search(request)
    }
}

/// The read queries of the index, over its database alone.
struct SearchIndexQueries: Sendable {
    let database: IndexDatabase

    /// BM25 over title (weighted ×2) and body, filtered by scope, type and status. Messages
    /// and vantages are excluded here, whatever the request says.
    func search(_ request: Choros_V1_SearchRequest) async throws -> [Choros_V1_SearchHit] {
        let query = try SearchQuery(request.query)
        guard let match = query.matchExpression, request.type != "msg", request.type != "vap" else { return [] }
        let limit = request.limit == 0 ? 10 : Int(min(request.limit, 100))
        var sql = """
            SELECT e.*, bm25(entries_fts, 2.0, 1.0) AS rank
            FROM entries_fts JOIN entries e ON e.id = entries_fts.rowid
            WHERE entries_fts MATCH ?
              AND e.type NOT IN ('msg', 'vap') AND e.path NOT LIKE 'messages/%' AND e.path NOT LIKE 'vantages/%'
            """
        var arguments: [String] = [match]
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
        sql += " ORDER BY rank LIMIT \(limit)"
        let statement = sql
        let values = arguments
        return try await self.database.pool.read { db in
            try Row.fetchAll(db, sql: statement, arguments: StatementArguments(values)).map { row in
                let entry = try IndexedEntry(row: row)
                var hit = Choros_V1_SearchHit()
                hit.path = entry.path
                hit.ref = entry.ref
                hit.author = entry.author
                hit.isCanon = entry.isCanon
                hit.type = entry.type
                hit.title = entry.title
                hit.status = entry.status
                hit.score = -(row["rank"] as Double)
                hit.preview = Self.preview(entry.body)
                return hit
            }
        }
    }

    /// The first 160 characters of the body on one line.
    static func preview(_ body: String) -> String {
        String(body.split(whereSeparator: \.isWhitespace).joined(separator: " ").prefix(160))
    }
}
