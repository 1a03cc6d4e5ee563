import ChorosTesting
import GRDB
import Testing

@testable import ChorosAudit

/// Every per-call lookup uses an index: none scans the log (AUDIT.md, issue 5 item 6).
@Suite("Audit query plans")
struct QueryPlanTests {
    /// Each lookup and the index it must use: an index that only orders the rows (op, actor,
    /// seq) while another narrows them is a scan in all but name.
    static let queries: [(String, String, index: String)] = [
        ("latest", AuditQueries.latest, "events_op_actor_seq"),
        ("is-read", AuditQueries.isRead, "events_op_actor_path"),
        ("find by op id", AuditQueries.byOpID, "events_op_id"),
        ("find by op id and ref", AuditQueries.byOpIDAndRef, "events_op_id"),
        ("find by request key", AuditQueries.byRequestKey, "events_request_key"),
        ("the same act", AuditQueries.sameAct, "events_op_id"),
        ("the same request", AuditQueries.sameRequest, "events_request_key"),
        ("airlock window", AuditQueries.windowConsumed, ""),
        ("tail", AuditQueries.tail, ""),
    ]

    @Test("each lookup's plan uses its index", arguments: Self.queries.indices)
    func usesIndex(_ index: Int) async throws {
        let (name, sql, expected) = Self.queries[index]
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
            if !expected.isEmpty { #expect(text.contains("INDEX \(expected) "), "\(name): \(text)") }
        }
    }
}
