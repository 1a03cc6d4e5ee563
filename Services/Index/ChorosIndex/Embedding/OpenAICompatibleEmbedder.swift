internal import ChorosCore
internal import Foundation

#if canImport(FoundationNetworking)
internal import FoundationNetworking
#endif

/// Any `/v1/embeddings` server (Ollama, LM Studio, ...): batched requests, document and
/// query prefixes, a timeout; vectors normalized at the boundary.
struct OpenAICompatibleEmbedder: Embedder {
    let url: String
    let model: String
    let dimension: Int
    let documentPrefix: String
    let queryPrefix: String
    var batchSize = 64
    /// A slow server must not hold a write: past this the row waits for a later fill.
    var timeout: TimeInterval = 5

    var modelID: String { "openai-compatible:\(self.model):\(self.dimension)" }

    private var endpoint: URL? {
        let base = self.url.hasSuffix("/") ? String(self.url.dropLast()) : self.url
        return URL(string: base.hasSuffix("/embeddings") ? base : base + "/v1/embeddings")
    }

    func embedDocuments(_ texts: [String]) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        for start in stride(from: 0, to: texts.count, by: self.batchSize) {
            let batch = texts[start..<min(start + self.batchSize, texts.count)].map { self.documentPrefix + $0 }
            vectors += try await self.request(batch)
        }
        return vectors
    }

    func embedQuery(_ text: String) async throws -> [Float] {
        try await self.request([self.queryPrefix + text]).first ?? []
    }

    /// URLSession's own timeout is an idle timeout and does not bound a slow answer on
    /// Linux, so the call races a timer; the loser is cancelled.
    private static func withTimeout<Result: Sendable>(
        _ seconds: TimeInterval,
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw EmbedderError.timedOut(seconds: seconds)
            }
            return result
        }
    }

    private func request(_ inputs: [String]) async throws -> [[Float]] {
        guard let endpoint = self.endpoint else { throw EmbedderError.malformedResponse("embed_url is not a URL") }
        var request = URLRequest(url: endpoint, timeoutInterval: self.timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["model": self.model, "input": inputs])
        let prepared = request
        let (data, response) = try await Self.withTimeout(self.timeout) {
            try await URLSession.shared.data(for: prepared)
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else { throw EmbedderError.http(status: status) }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let items = object["data"] as? [[String: Any]], items.count == inputs.count
        else { throw EmbedderError.malformedResponse("expected one 'data' item per input") }
        let ordered = items.sorted { ($0["index"] as? Int ?? 0) < ($1["index"] as? Int ?? 0) }
        return try ordered.map { item in
            guard let numbers = item["embedding"] as? [Double] else {
                throw EmbedderError.malformedResponse("no 'embedding'")
            }
            guard numbers.count == self.dimension else {
                throw EmbedderError.wrongDimension(expected: self.dimension, got: numbers.count)
            }
            return Vectors.normalized(numbers.map { Float($0) })
        }
    }
}
