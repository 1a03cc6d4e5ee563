/// Deterministic offline vectors for tests and air-gapped use: words and their character
/// trigrams hashed into a fixed number of signed buckets. It captures spelling closeness
/// (plurals, typos), not meaning.
package struct HashedEmbedder: Embedder {
    package let dimension: Int
    package var modelID: String { "hashed-\(self.dimension)" }

    package init(dimension: Int) {
        self.dimension = max(dimension, 8)
    }

    package func embedDocuments(_ texts: [String]) async throws -> [[Float]] {
        texts.map(self.embed)
    }

    package func embedQuery(_ text: String) async throws -> [Float] {
        self.embed(text)
    }

    func embed(_ text: String) -> [Float] {
        var vector = [Float](repeating: 0, count: self.dimension)
        for word in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
            self.add("w:" + word, weight: 1, to: &vector)
            let padded = Array("^" + word + "$")
            if padded.count >= 3 {
                for start in 0...(padded.count - 3) {
                    self.add("t:" + String(padded[start..<start + 3]), weight: 0.5, to: &vector)
                }
            }
        }
        return Vectors.normalized(vector)
    }

    private func add(_ feature: String, weight: Float, to vector: inout [Float]) {
        // FNV-1a: stable across runs and platforms, unlike Hasher.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in feature.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let bucket = Int(hash % UInt64(self.dimension))
        vector[bucket] += (hash >> 63) == 0 ? weight : -weight
    }
}
