import ChorosTesting
import GRDB
import Testing

@testable import ChorosAudit

/// Every per-call lookup uses an index: none scans the log (AUDIT.md, issue 5 item 6).
@Suite("Audit query plans")
struct QueryPlanTests {
    static let queries: [(String, String)] = [
        ("latest", AuditQueries.latest),
        ("is-read", AuditQueries.isRead),
        ("find by op id", AuditQueries.byOpID),
        ("find by op id and ref", AuditQueries.byOpIDAndRef),
        ("find by request key", AuditQueries.byRequestKey),
        ("airlock window", AuditQueries.windowConsumed),
        ("tail", AuditQueries.tail),
    ]

    @Test("each lookup's plan uses an index", arguments: Self.queries.indices)
    func usesIndex(_ index: Int) async throws {
        let (name, sql) = Self.queries[index]
        try await withTemporaryDirectory { directory in
            let database = try AuditDatabase(path: directory.appending("audit.sqlite"))
            let plan = try await database.pool.read { db in
                let parameters = sql.filter { $0 == "?" }.count
                return try Row.fetchAll(
                    db,
                    sql: "EXPLAIN QUERY PLAN " + sql,
                    arguments: StatementArguments(Array(repeating: "x", count: parameters))
                ).map { $0["detail"] as String? ?? "" }
            }
            let text = plan.joined(separator: " | ")
            #expect(
                text.contains("USING INDEX") || text.contains("USING COVERING INDEX")
                    || text.contains("INTEGER PRIMARY KEY"),
                "\(name): \(text)"
            )
            #expect(!plan.contains("SCAN events"), "\(name) scans the log: \(text)")
        }
    }
}
