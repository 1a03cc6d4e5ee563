internal import ChorosProto
internal import Foundation

/// Entry points for `choros-bench`: the index measured in process, rows written directly.
package struct IndexBenchmarkDatabase: Sendable {
    let database: IndexDatabase
    let index: SearchIndexQueries
    let hybrid: SearchIndexQueries
    let embedder = HashedEmbedder(dimension: 384)
    let vectors = VectorStore(dimension: 384)

    package init(path: String) throws {
        self.database = try IndexDatabase(path: path)
        self.index = SearchIndexQueries(database: self.database)
        self.hybrid = SearchIndexQueries(database: self.database, embedder: self.embedder, vectors: self.vectors)
    }

    /// Embeds every row (384-dim hashed vectors), stored and loaded as the daemon does.
    package func embedAll() async throws {
        while true {
            let rows = try await self.database.rowsWithoutVectors(model: self.embedder.modelID, limit: 2000)
            if rows.isEmpty { return }
            let vectors = try await self.embedder.embedDocuments(rows.map { $0.title + "\n" + $0.body })
            let pairs = zip(rows, vectors).compactMap { row, vector in row.id.map { (id: $0, vector: vector) } }
            try await self.database.storeVectors(pairs, model: self.embedder.modelID)
            for pair in pairs { self.vectors.set(pair.id, pair.vector) }
        }
    }

    package func hybridSearch(_ query: String) async throws -> Int {
        var request = Choros_V1_SearchRequest()
        request.query = query
        return try await self.hybrid.hybridSearch(request).hits.count
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

extension SearchIndex {
    /// Rebuilds from the store; returns the entries indexed.
    package func reindexForBenchmark() async throws -> Int {
        try await self.reindex().entries
    }
}
