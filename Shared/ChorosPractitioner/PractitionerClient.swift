internal import ChorosAuth
package import ChorosClients
package import ChorosCore
package import ChorosProto
package import ChorosWire
internal import Foundation
internal import NIOConcurrencyHelpers
package import SwiftProtobuf

/// What the practitioner does and reads, for both of the practitioner's clients
/// (`choros-admin` and `choros-cockpit`), so neither keeps a copy: lands and enrollment
/// through `admin.sock`; mail and closes as the enrolled practitioner through the gateway,
/// each a write signed with the practitioner's key; everything else from the daemons' read RPCs.
package final class PractitionerClient: Sendable {
    package let configuration: ChorosConfiguration
    package let admin: WireClient
    package let daemons: DaemonClients
    /// The approver acting: its key signs every act.
    package let name: String
    let key: SigningKey
    let gateway: GatewayConnection
    /// The gateway's socket for its health, kept open like the others (the overview asks often).
    private let gatewayHealth: WireClient
    let auth = NIOLockedValueBox<AuthDatabase?>(nil)

    package init(configuration: ChorosConfiguration, approver: String = "practitioner") throws {
        guard configuration.approvers.contains(where: { $0.lowercased() == approver.lowercased() }) else {
            throw PractitionerError(
                "'\(approver)' is not a configured approver (\(configuration.approvers.joined(separator: ", ")))"
            )
        }
        let key: SigningKey
        do { key = try SigningKey.load(from: configuration.keysDirectory + "/\(approver).key") } catch {
            throw PractitionerError("\(error) (run choros-admin init first)")
        }
        self.configuration = configuration
        self.name = approver
        self.key = key
        self.admin = WireClient(socketPath: configuration.socketPath(for: "admin"))
        self.daemons = DaemonClients(socketPath: configuration.socketPath(for:))
        self.gateway = GatewayConnection(socketPath: configuration.socketPath(for: "gateway"), key: key)
        self.gatewayHealth = WireClient(socketPath: configuration.socketPath(for: "gateway"))
    }

    /// The open client of a daemon's socket, for its health.
    func healthClient(_ name: String) -> WireClient {
        switch name {
        case "store": self.daemons.store.wire
        case "audit": self.daemons.audit.wire
        case "index": self.daemons.index.wire
        // admin.sock: the practitioner reaches it whatever the airlock socket's group.
        case "airlock": self.admin
        default: self.gatewayHealth
        }
    }

    package func close() async {
        await self.gateway.close()
        for wire in [self.admin, self.daemons.store.wire, self.daemons.audit.wire, self.daemons.index.wire] {
            await wire.close()
        }
        await self.daemons.airlock.wire.close()
        await self.gatewayHealth.close()
    }

    var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: proposals

    package func proposals() async throws -> [Choros_V1_ProposalState] {
        try await self.tool("list_proposals", as: Choros_V1_ListProposalsResponse.self).proposals
    }

    package func preview(_ proposal: String) async throws -> Choros_V1_LandPreview {
        try await self.admin.call(AdminRPC.preview, .with { $0.proposalID = proposal })
    }

    /// A console land, refused before signing anything when the preview says it cannot land.
    package func land(_ proposal: String) async throws -> Choros_V1_LandResult {
        let preview = try await self.preview(proposal)
        if !preview.conflicts.isEmpty {
            throw PractitionerError("merge conflicts in: \(preview.conflicts.joined(separator: ", "))")
        }
        if preview.wouldRemoveCanon {
            throw PractitionerError("landing would remove canon paths: canon is append-only")
        }
        if !preview.logEntryOk { throw PractitionerError(preview.logProblem) }
        let approval = try SignedOperation.make(
            type: .canonLand,
            body: [
                "proposal_id": .string(proposal), "candidate_oid": .string(preview.candidateOid),
                "channel": "console",
            ],
            timestamp: self.now,
            key: self.key,
            deployment: try self.configuration.deploymentID()
        )
        return try await self.admin.call(
            AdminRPC.land,
            .with { $0.approval = approval.proto },
            options: CallOptions(timeout: .seconds(300))
        )
    }

    /// Closes a proposal for good: the practitioner's signed `propose_close`.
    package func close(_ proposal: String, reason: String) async throws -> Choros_V1_WriteResult {
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw PractitionerError("a close needs a reason")
        }
        return try await self.tool(
            "propose_close",
            ["proposal_id": .string(proposal), "reason": .string(reason), "op_id": .string(Self.key("close"))],
            as: Choros_V1_WriteResult.self
        )
    }

    // MARK: mail

    /// Messages to the practitioner, unread only unless `all`.
    package func inbox(all: Bool = false) async throws -> [Choros_V1_InboxMessage] {
        try await self.tool("imp_check", ["unread_only": .bool(!all)], as: Choros_V1_ImpCheckResponse.self).messages
    }

    /// A message's text, marked read once shown.
    package func read(_ message: Choros_V1_InboxMessage) async throws -> String {
        let text = try await self.daemons.store.text(message.ref, message.path) ?? ""
        if !message.isRead {
            _ = try await self.tool(
                "imp_mark_read",
                [
                    "message_path": .string(message.path), "sender_ref": .string(message.ref),
                    "op_id": .string(Self.key("read")),
                ],
                as: Choros_V1_WriteResult.self
            )
        }
        return text
    }

    /// A message from the practitioner, signed with the practitioner's key.
    package func send(
        to recipients: [String],
        subject: String,
        body: String,
        coordinates: String = ""
    ) async throws -> Choros_V1_WriteResult {
        var arguments: [String: JSONValue] = [
            "recipients": .array(recipients.map { .string($0) }), "subject": .string(subject),
            "body": .string(body), "op_id": .string(Self.key("mail")),
        ]
        if !coordinates.isEmpty { arguments["coordinates"] = .string(coordinates) }
        return try await self.tool("imp_send", arguments, as: Choros_V1_WriteResult.self)
    }

    // MARK: tools as the practitioner

    /// A gateway tool called as the enrolled practitioner; its JSON result read as `Response`.
    package func tool<Response: SwiftProtobuf.Message>(
        _ name: String,
        _ arguments: [String: JSONValue] = [:],
        as: Response.Type
    ) async throws -> Response {
        let json = try await self.gateway.callTool(name, arguments: arguments)
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = true
        return try Response(jsonString: json, options: options)
    }

    /// A request key no earlier act used (a retry of the same call reuses it).
    static func key(_ kind: String) -> String {
        "practitioner-\(kind)-\(UUID().uuidString.lowercased().prefix(18))"
    }
}

/// A refusal the practitioner's client makes itself, before any daemon is asked.
package struct PractitionerError: Error, CustomStringConvertible {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { self.message }
}
