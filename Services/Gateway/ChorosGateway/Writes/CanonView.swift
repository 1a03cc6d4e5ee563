internal import ChorosClients
internal import ChorosCore
internal import ChorosProto

/// Canon as one call sees it: its tip and its position in the state sequence, read once and
/// pinned, so a guard and the commit it protects agree on which canon they mean.
struct CanonView: Sendable {
    static let stateTagPrefix = "refs/tags/state/"

    let ref: String
    /// `nil` before canon is bootstrapped.
    let tip: String?
    /// The largest state tag, or `seq_origin` before the first land.
    let seq: Int
    /// Whether any land happened (a state tag exists).
    let hasLanded: Bool

    var nextSeq: Int { self.seq + 1 }
    static func hex(_ seq: Int) -> String { String(seq, radix: 16) }
    static func display(_ seq: Int) -> String { "::" + String(seq, radix: 16).uppercased() }

    /// The first 12 hex digits of the tip, as reconciliation paths name it.
    var tip12: String { String((self.tip ?? "").prefix(12)) }

    static func read(_ store: StoreClient, canonRef: String, seqOrigin: Int) async throws -> CanonView {
        async let tip = store.tip(of: canonRef)
        async let tags = store.refs(under: Self.stateTagPrefix)
        let seqs = try await tags.compactMap { Int($0.name.dropFirst(Self.stateTagPrefix.count), radix: 16) }
        return CanonView(ref: canonRef, tip: try await tip, seq: seqs.max() ?? seqOrigin, hasLanded: !seqs.isEmpty)
    }
}
