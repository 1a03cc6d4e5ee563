internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import NIOConcurrencyHelpers

/// An instance's canon cursor: the canon tip it last pulled with `canon_diff`, recorded as a
/// `canon.pull` audit fact (found by an indexed lookup of its latest one).
struct CanonCursor: Sendable {
    let oid: String
    let seq: String
}

/// The cursors the gateway has read or moved. Only `canon_diff` moves a cursor and only the
/// gateway runs it, so after one audit lookup per instance the stamp every write carries costs
/// no call. Keyed by audit seq, so the later of two concurrent pulls wins as in the log.
final class CursorCache: Sendable {
    private struct Known {
        var eventSeq: UInt64
        var cursor: CanonCursor?
    }

    private let known = NIOLockedValueBox<[String: Known]>([:])

    func cursor(of name: String) -> CanonCursor?? {
        self.known.withLockedValue { $0[name].map(\.cursor) }
    }

    func record(_ event: Choros_V1_AuditEvent?, of name: String) {
        let cursor = event.map(Self.cursor(of:))
        let seq = event?.seq ?? 0
        self.known.withLockedValue { known in
            if let current = known[name], current.eventSeq > seq { return }
            known[name] = Known(eventSeq: seq, cursor: cursor)
        }
    }

    static func cursor(of event: Choros_V1_AuditEvent) -> CanonCursor {
        let detail = try? JSONParser.parse(Array(event.detail))
        return CanonCursor(oid: event.resultOid, seq: detail?["seq"]?.stringValue ?? "")
    }
}

extension Gateway {
    func cursor(of name: String) async throws -> CanonCursor? {
        if let cached = self.cursors.cursor(of: name) { return cached }
        let event = try await self.daemons.audit.latest(op: OperationType.canonPull.rawValue, actor: name)
        self.cursors.record(event, of: name)
        return event.map(CursorCache.cursor(of:))
    }

    /// Whether `name` may contribute: no land happened yet, or its perspective holds the
    /// reconciliation for canon's current tip.
    func isCurrent(_ name: String, canon: CanonView) async throws -> Bool {
        guard canon.hasLanded, canon.tip != nil else { return true }
        return try await self.daemons.store.exists(Self.perspective(of: name), Self.reconciliationPath(canon))
    }

    static func reconciliationPath(_ canon: CanonView) -> String { "state/reconciled-\(canon.tip12).md" }
}
