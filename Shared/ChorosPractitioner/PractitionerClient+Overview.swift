internal import ChorosClients
internal import ChorosCore
package import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// What the practitioner sees at a glance (COCKPIT.md, "Overview"; `choros-admin status`).
package struct Overview: Sendable {
    package struct Daemon: Sendable {
        package let name: String
        package let serving: Bool
        package let detail: String
    }

    package var canon: Choros_V1_CanonStateResponse
    package var daemons: [Daemon]
    package var instances: [Choros_V1_InstanceStatus]
    package var proposals: [Choros_V1_ProposalState]
    package var staged: [Staged]
    package var unread: Int
    package var auditHead: UInt64

    /// A proposal staged in the airlock, from the audit log's airlock events.
    package struct Staged: Sendable {
        package let proposal: String
        package let oid: String
        package let stagedAt: Int64
        package let landsAfter: Int64
        package let expiresAt: Int64
    }
}

extension PractitionerClient {
    package static let daemonNames = ["store", "audit", "index", "airlock", "gateway"]

    /// One call per source, all at once: the gateway (canon, instances, proposals, mail, as the
    /// practitioner), each daemon's health, and the audit log's head and airlock events.
    package func overview() async throws -> Overview {
        async let canon = self.tool("canon_state", as: Choros_V1_CanonStateResponse.self)
        async let who = self.tool("sup_who", as: Choros_V1_SupWhoResponse.self)
        async let proposals = self.proposals()
        async let flags = self.tool("imp_flags", as: Choros_V1_ImpFlagsResponse.self)
        async let head = self.daemons.audit.call(AuditRPC.head, .init())
        async let staged = self.staged()
        async let daemons = self.health()
        return Overview(
            canon: try await canon,
            daemons: await daemons,
            instances: try await who.instances,
            proposals: try await proposals,
            staged: try await staged,
            unread: Int(try await flags.unread),
            auditHead: try await head.seq
        )
    }

    package func health() async -> [Overview.Daemon] {
        await withTaskGroup(of: (Int, Overview.Daemon).self) { group in
            for (index, name) in Self.daemonNames.enumerated() {
                group.addTask {
                    do {
                        let health = try await self.healthClient(name).call(
                            HealthRPC.check,
                            Choros_V1_HealthCheckRequest(),
                            options: CallOptions(timeout: .seconds(2), isIdempotent: false)
                        )
                        return (index, .init(name: name, serving: true, detail: "pid \(health.pid)"))
                    } catch {
                        return (index, .init(name: name, serving: false, detail: "\(error)"))
                    }
                }
            }
            var rows: [(Int, Overview.Daemon)] = []
            for await row in group { rows.append(row) }
            return rows.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// The proposals staged in the airlock, as the airlock holds them.
    package func staged() async throws -> [Overview.Staged] {
        try await self.admin.call(AdminRPC.staged, .init()).staged.map {
            .init(
                proposal: $0.proposalID,
                oid: $0.stagedOid,
                stagedAt: $0.stagedAtMs,
                landsAfter: $0.landsAfterMs,
                expiresAt: $0.expiresAtMs
            )
        }
    }

    // MARK: audit

    /// A page of the audit log, newest first, below `before` (0: from the head).
    package func auditPage(before: UInt64 = 0, limit: UInt32 = 50) async throws -> Choros_V1_EventsResponse {
        try await self.daemons.audit.call(
            AuditRPC.events,
            .with {
                $0.newestFirst = true
                $0.limit = limit
                $0.beforeSeq = before
            }
        )
    }

    package func verifyAudit() async throws -> Choros_V1_VerifyResponse {
        try await self.daemons.audit.call(
            AuditRPC.verify,
            .with { $0.checkEnvelopes = true },
            options: CallOptions(timeout: .seconds(600))
        )
    }

    package func anchorAudit() async throws -> Choros_V1_AnchorResponse {
        try await self.daemons.audit.call(AuditRPC.anchor, .init(), options: CallOptions(timeout: .seconds(60)))
    }
}
