import ChorosTesting
import GRDB
import Testing

@testable import ChorosIndex

@Suite("Index database")
struct IndexDatabaseTests {
    @Test("an upsert keeps recipients and links in their side tables, and a re-upsert replaces them")
    func sideTables() async throws {
        try await withTemporaryDirectory { directory in
            let database = try IndexDatabase(path: directory.appending("index.sqlite"))
            let message = IndexedEntry(
                ref: "refs/cap/perspectives/alice",
                path: "messages/m1.md",
                isCanon: false,
                author: "alice",
                contentOID: "",
                text:
                    "---\ntype: msg\nrecipients: [bob, carol]\nsupersedes: messages/m0.md\nreferences: [notes/a.md]\n---\n\nhi"
            )
            try await database.upsert([message])
            let counts = try await database.pool.read { db in
                (
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message_recipients") ?? -1,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entry_links") ?? -1
                )
            }
            #expect(counts.0 == 2 && counts.1 == 2)
            try await database.upsert([message])
            let again = try await database.pool.read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM message_recipients")
            }
            #expect(again == 2)
            #expect(try await database.delete([("refs/cap/perspectives/alice", "messages/m1.md")]).count == 1)
            let afterDelete = try await database.pool.read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM entry_links")
            }
            #expect(afterDelete == 0)
        }
    }
}
