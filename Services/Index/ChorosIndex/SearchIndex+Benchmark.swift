internal import ChorosProto
internal import Foundation

/// Entry points for `choros-bench`: the index measured in process, rows written directly.
package struct IndexBenchmarkDatabase: Sendable {
    let database: IndexDatabase
    let index: SearchIndexQueries

    package init(path: String) throws {
        self.database = try IndexDatabase(path: path)
        self.index = SearchIndexQueries(database: self.database)
    }

    /// Upserts `count` synthetic entries (canon and four perspectives, some messages) in
    /// batches; returns nothing, the caller times it.
    package func fill(count: Int, vocabulary: [String]) async throws {
        var generator = SystemRandomNumberGenerator()
        for start in stride(from: 0, to: count, by: 1000) {
            let rows = (start..<min(start + 1000, count)).map { index -> IndexedEntry in
                let words = (0..<60).map { _ in vocabulary.randomElement(using: &generator) ?? "" }
                let isMessage = index % 10 == 0
                let ref = index % 5 == 0 ? "refs/heads/main" : "refs/cap/perspectives/i\(index % 4)"
                let text =
                    "---\ntype: \(isMessage ? "msg" : "kno")\ntitle: \(words.prefix(5).joined(separator: " "))\n---\n\n"
                    + words.joined(separator: " ")
                return IndexedEntry(
                    ref: ref,
                    path: (isMessage ? "messages/" : "notes/") + "e\(index).md",
                    isCanon: ref == "refs/heads/main",
                    author: "i\(index % 4)",
                    contentOID: String(repeating: "0", count: 40),
                    text: text
                )
            }
            try await self.database.upsert(rows)
        }
    }

    package func search(_ query: String) async throws -> Int {
        var request = Choros_V1_SearchRequest()
        request.query = query
        return try await self.index.search(request).count
    }
}
