import ChorosProto
import ChorosTesting
import GRDB
import Testing

@testable import ChorosIndex

/// Recall@5 on a 240-entry corpus with known answers: BM25 alone, vectors alone (hashed
/// embedder) and both fused. Each entry has one rare made-up term; queries ask for it
/// exactly, misspelled (BM25 misses, trigram vectors do not), or buried in common words
/// (vectors dilute, BM25 does not).
@Suite("Hybrid ranking")
struct HybridRankingTests {
    static let syllables = ["zor", "blat", "quin", "dle", "mar", "vex", "tol", "pra", "ske", "lun", "gri", "fos"]
    static let common = ["river", "lantern", "practice", "canon", "window", "signal", "harbor", "thread"]

    static func term(_ index: Int) -> String {
        syllables[index % 12] + syllables[(index / 12) % 12] + syllables[(index / 144 + 5) % 12] + "x"
    }

    static func misspelled(_ term: String) -> String {
        var characters = Array(term)
        characters.swapAt(2, 3)
        return String(characters)
    }

    @Test("hybrid recall@5 is at least each component's")
    func recall() async throws {
        try await withTemporaryDirectory { directory in
            let database = try IndexDatabase(path: directory.appending("index.sqlite"))
            let embedder = HashedEmbedder(dimension: 384)
            let vectors = VectorStore(dimension: 384)
            let rows = (0..<240).map { index in
                let filler = (0..<30).map { Self.common[($0 + index) % Self.common.count] }.joined(separator: " ")
                return IndexedEntry(
                    ref: "refs/heads/main",
                    path: "notes/e\(index).md",
                    isCanon: true,
                    author: "a",
                    contentOID: "",
                    text: "---\ntitle: note \(index)\n---\n\n\(filler) \(Self.term(index)) \(filler)"
                )
            }
            // Messages and vantages carrying the same rare terms: never a hit, on any path.
            let privateRows = (0..<40).map { index in
                IndexedEntry(
                    ref: "refs/cap/perspectives/a",
                    path: index % 2 == 0 ? "messages/m\(index).md" : "notes/v\(index).md",
                    isCanon: false,
                    author: "a",
                    contentOID: "",
                    text:
                        "---\ntype: \(index % 2 == 0 ? "kno" : "vap")\n---\n\n\(Self.term(index * 4)) \(Self.term(index * 4))"
                )
            }
            try await database.upsert(rows + privateRows)
            let stored = try await database.rowsWithoutVectors(model: embedder.modelID, limit: 1000)
            #expect(stored.count == 240, "messages and vantages are never embedded")
            let embedded = try await embedder.embedDocuments(stored.map { $0.title + "\n" + $0.body })
            for (row, vector) in zip(stored, embedded) { vectors.set(row.id ?? -1, vector) }

            let lexical = SearchIndexQueries(database: database)
            let hybrid = SearchIndexQueries(database: database, embedder: embedder, vectors: vectors)
            var found = (bm25: 0, vector: 0, hybrid: 0)
            var queries = 0
            for index in stride(from: 0, to: 240, by: 4) {
                let term = Self.term(index)
                let variants = [term, Self.misspelled(term), Self.common.joined(separator: " ") + " " + term]
                for query in variants {
                    queries += 1
                    let expected = "notes/e\(index).md"
                    var request = Choros_V1_SearchRequest()
                    request.query = query
                    request.limit = 5
                    if try await lexical.search(request).contains(where: { $0.path == expected }) { found.bm25 += 1 }
                    let nearest = vectors.nearest(to: try await embedder.embedQuery(query), k: 5)
                    let nearestPaths = try await database.pool.read { db in
                        try nearest.map {
                            try String.fetchOne(db, sql: "SELECT path FROM entries WHERE id = ?", arguments: [$0.id])
                                ?? ""
                        }
                    }
                    if nearestPaths.contains(expected) { found.vector += 1 }
                    if try await hybrid.hybridSearch(request).hits.contains(where: { $0.path == expected }) {
                        found.hybrid += 1
                    }
                }
            }
            let recall = { (hits: Int) in Double(hits) / Double(queries) }
            print(
                "recall@5 over \(queries) queries: bm25 \(recall(found.bm25)), vector \(recall(found.vector)), hybrid \(recall(found.hybrid))"
            )
            #expect(found.hybrid >= found.bm25 && found.hybrid >= found.vector)
            #expect(found.bm25 < queries && found.vector < queries, "the corpus must separate the components")
        }
    }
}
