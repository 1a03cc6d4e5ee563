package import ChorosCore

/// Turns text into unit-length float32 vectors. Documents and queries are embedded
/// separately because retrieval models are task-prefixed (INDEX.md).
package protocol Embedder: Sendable {
    /// Stored with every vector: a changed model re-embeds.
    var modelID: String { get }
    var dimension: Int { get }
    func embedDocuments(_ texts: [String]) async throws -> [[Float]]
    func embedQuery(_ text: String) async throws -> [Float]
}

/// Why an embedding call failed; a failure never blocks a write.
enum EmbedderError: Error, CustomStringConvertible {
    case http(status: Int)
    case malformedResponse(String)
    case wrongDimension(expected: Int, got: Int)
    case timedOut(seconds: Double)

    var description: String {
        switch self {
        case .http(let status): "the embedding server answered HTTP \(status)"
        case .malformedResponse(let reason): "the embedding server's answer is malformed: \(reason)"
        case .wrongDimension(let expected, let got): "expected \(expected)-dimensional vectors, got \(got)"
        case .timedOut(let seconds): "the embedding server did not answer within \(seconds) s"
        }
    }
}

enum Vectors {
    /// Scales to unit length (a zero vector stays zero).
    static func normalized(_ vector: [Float]) -> [Float] {
        var sum: Float = 0
        for value in vector { sum += value * value }
        guard sum > 0 else { return vector }
        let scale = 1 / sum.squareRoot()
        return vector.map { $0 * scale }
    }
}

/// The embedder `embed_backend` names; nil for `none` (BM25 alone).
package func makeEmbedder(configuration: ChorosConfiguration) -> (any Embedder)? {
    switch configuration.embedBackend {
    case .none: nil
    case .hashed: HashedEmbedder(dimension: configuration.embedDimension)
    case .openAICompatible:
        OpenAICompatibleEmbedder(
            url: configuration.embedURL,
            model: configuration.embedModel,
            dimension: configuration.embedDimension,
            documentPrefix: configuration.embedDocumentPrefix,
            queryPrefix: configuration.embedQueryPrefix
        )
    }
}
