import ChorosProto
import ChorosTesting
import GRDB
import SwiftProtobuf
import Testing

@testable import ChorosIndex

/// map_search ranks a bounded set: what it ranks is asserted here, never how long it takes.
@Suite("Bounded ranking")
struct RankingPlanTests {
    @Test("a word in every entry is left out of the ranking; a query of only such words ranks the newest window")
    func commonWordsAreBounded() async throws {
        try await withTemporaryDirectory { directory in
            let database = try IndexDatabase(path: directory.appending("index.sqlite"))
            let total = RankingPlan.postingBudget + 500
            let entries = (0..<total).map { index in
                IndexedEntry(
                    ref: "refs/cap/perspectives/alice",
                    path: "notes/e\(index).md",
                    isCanon: false,
                    author: "alice",
                    contentOID: "",
                    text:
                        "---\ntitle: Entry \(index)\n---\n\nA common entry\(index % 50 == 0 ? " about lanterns" : "")."
                )
            }
            try await database.upsert(entries)
            let plans = try await database.pool.read { db in
                (
                    mixed: try RankingPlan(terms: ["common", "lanterns"], db: db),
                    common: try RankingPlan(terms: ["common", "entry"], db: db)
                )
            }
            #expect(plans.mixed.match == #""lanterns""# && plans.mixed.rowidFloor == nil)
            #expect(plans.common.rowidFloor != nil)
            let maximum = try await database.pool.read { try Int64.fetchOne($0, sql: "SELECT max(id) FROM entries") }
            #expect(plans.common.rowidFloor == (maximum ?? 0) - Int64(RankingPlan.window) + 1)

            let queries = SearchIndexQueries(database: database)
            let hits = try await queries.search(.with { $0.query = "common lanterns" })
            #expect(hits.count == 10 && hits.allSatisfy { $0.preview.contains("lanterns") })
            // Filters that keep few of the best candidates read deeper rather than answer short.
            let mine = try await queries.search(
                .with {
                    $0.query = "common entry"
                    $0.scope = "mine"
                    $0.caller = "alice"
                    $0.limit = 100
                }
            )
            #expect(mine.count == 100)
        }
    }
}
