package import ChorosProto
package import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// The audit log, as every other process reaches it.
package struct AuditClient: DaemonClient {
    package let wire: WireClient

    package init(_ wire: WireClient) {
        self.wire = wire
    }

    @discardableResult
    package func append(_ events: [Choros_V1_AuditEventInput]) async throws -> [Choros_V1_AuditEvent] {
        try await self.call(AuditRPC.append, .with { $0.events = events }).events
    }

    @discardableResult
    package func append(_ event: Choros_V1_AuditEventInput) async throws -> Choros_V1_AuditEvent? {
        try await self.append([event]).first
    }

    /// The newest event of `op` by `actor`, or `nil` when there is none.
    package func latest(op: String, actor: String) async throws -> Choros_V1_AuditEvent? {
        let response = try await self.call(
            AuditRPC.latest,
            .with {
                $0.op = op
                $0.actor = actor
            }
        )
        return response.found ? response.event : nil
    }

    package func events(opID: String) async throws -> [Choros_V1_AuditEvent] {
        try await self.call(AuditRPC.find, .with { $0.opID = opID }).events
    }

    /// Every event of one op (and actor), oldest first, paged.
    package func allEvents(op: String, actor: String = "") async throws -> [Choros_V1_AuditEvent] {
        var events: [Choros_V1_AuditEvent] = []
        var since: UInt64 = 0
        while true {
            let page = try await self.call(
                AuditRPC.events,
                .with {
                    $0.op = op
                    $0.actor = actor
                    $0.sinceSeq = since
                    $0.limit = 1000
                }
            )
            events += page.events
            guard page.hasMore_p else { return events }
            since = page.nextSinceSeq
        }
    }
}
