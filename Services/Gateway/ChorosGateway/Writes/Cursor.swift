internal import ChorosCore
internal import ChorosProto

/// An instance's canon cursor: the canon tip it last pulled with `canon_diff`, recorded as a
/// `canon.pull` audit fact (found by an indexed lookup of its latest one).
struct CanonCursor: Sendable {
    let oid: String
    let seq: String
}

extension Gateway {
    func cursor(of name: String) async throws -> CanonCursor? {
        guard let event = try await self.backends.latest(op: OperationType.canonPull.rawValue, actor: name) else {
            return nil
        }
        let detail = try? JSONParser.parse(Array(event.detail))
        return CanonCursor(oid: event.resultOid, seq: detail?["seq"]?.stringValue ?? "")
    }

    /// Whether `name` may contribute: no land happened yet, or its perspective holds the
    /// reconciliation for canon's current tip.
    func isCurrent(_ name: String, canon: CanonView) async throws -> Bool {
        guard canon.hasLanded, canon.tip != nil else { return true }
        return try await self.backends.exists(Self.perspective(of: name), Self.reconciliationPath(canon))
    }

    static func reconciliationPath(_ canon: CanonView) -> String { "state/reconciled-\(canon.tip12).md" }
}
