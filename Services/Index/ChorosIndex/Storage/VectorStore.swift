internal import NIOConcurrencyHelpers

/// Every stored vector in one contiguous float32 buffer, scored with a tight dot-product
/// loop and a bounded top-k (INDEX.md: no per-row decoding at query time).
final class VectorStore: Sendable {
    private struct State {
        var ids: [Int64] = []
        var positions: [Int64: Int] = [:]
        var matrix: [Float] = []
    }

    let dimension: Int
    private let state = NIOLockedValueBox(State())

    init(dimension: Int) {
        self.dimension = dimension
    }

    var count: Int { self.state.withLockedValue { $0.ids.count } }

    func set(_ id: Int64, _ vector: [Float]) {
        guard vector.count == self.dimension else { return }
        self.state.withLockedValue { state in
            if let position = state.positions[id] {
                state.matrix.replaceSubrange(position * self.dimension..<(position + 1) * self.dimension, with: vector)
            } else {
                state.positions[id] = state.ids.count
                state.ids.append(id)
                state.matrix.append(contentsOf: vector)
            }
        }
    }

    func remove(_ id: Int64) {
        self.state.withLockedValue { state in
            guard let position = state.positions.removeValue(forKey: id) else { return }
            // Move the last vector into the hole: removal stays O(dimension).
            let last = state.ids.count - 1
            if position != last {
                let moved = state.ids[last]
                state.ids[position] = moved
                state.positions[moved] = position
                for offset in 0..<self.dimension {
                    state.matrix[position * self.dimension + offset] = state.matrix[last * self.dimension + offset]
                }
            }
            state.ids.removeLast()
            state.matrix.removeLast(self.dimension)
        }
    }

    func removeAll() {
        self.state.withLockedValue { $0 = State() }
    }

    /// The `k` ids most similar to `query` (cosine: every vector is unit length).
    func nearest(to query: [Float], k: Int) -> [(id: Int64, score: Float)] {
        guard query.count == self.dimension, k > 0 else { return [] }
        return self.state.withLockedValue { state in
            var best: [(id: Int64, score: Float)] = []
            best.reserveCapacity(k + 1)
            state.matrix.withUnsafeBufferPointer { matrix in
                query.withUnsafeBufferPointer { query in
                    for row in 0..<state.ids.count {
                        var score: Float = 0
                        let base = row * self.dimension
                        for offset in 0..<self.dimension { score += matrix[base + offset] * query[offset] }
                        if best.count < k || score > best[best.count - 1].score {
                            let insertAt = best.firstIndex { $0.score < score } ?? best.count
                            best.insert((state.ids[row], score), at: insertAt)
                            if best.count > k { best.removeLast() }
                        }
                    }
                }
            }
            return best
        }
    }
}
