package import ChorosClients
package import ChorosCore
package import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// The practitioner's half of the HTTP door's OAuth approvals (HTTP.md, "The OAuth door"):
/// a connector is approved to act as one instance, by a TOTP code whose window approves
/// once (shared with the airlock's stage and land windows) or at the console. An instance
/// not yet enrolled gets a key the door holds, enrolled by a practitioner-signed op.
package struct ConnectorDesk: Sendable {
    let daemons: DaemonClients
    let configuration: ChorosConfiguration
    let keeper: RegistryKeeper
    let gate: AirlockGate

    package init(daemons: DaemonClients, configuration: ChorosConfiguration, keeper: RegistryKeeper, gate: AirlockGate)
    {
        self.daemons = daemons
        self.configuration = configuration
        self.keeper = keeper
        self.gate = gate
    }

    /// The door's page: the code is checked and its window spent with the approval event.
    package func approve(
        byCode request: Choros_V1_ConnectorApproveRequest
    ) async throws
        -> Choros_V1_ConnectorApproveResponse
    {
        let name = try Self.instanceName(request.instance)
        // Everything that can fail without the code fails first: no window is burned.
        _ = try await self.custody(of: name, creating: false)
        return try await self.gate.approveConnector(request) { window in
            var response = try await self.custody(of: name, creating: true)
            response.window = window
            return (response, self.approvalEvent(request, response: response, channel: "totp"))
        }
    }

    /// `choros-admin connector approve TXN --as NAME`: admin.sock admits the practitioner alone.
    package func approve(
        atConsole request: Choros_V1_ConnectorApproveRequest
    ) async throws
        -> Choros_V1_ConnectorApproveResponse
    {
        let response = try await self.custody(of: try Self.instanceName(request.instance), creating: true)
        try await self.daemons.audit.append([self.approvalEvent(request, response: response, channel: "console")])
        return response
    }

    /// One of the door's events; `actor` is who the socket says asked ("http" or "practitioner").
    package func record(
        _ request: Choros_V1_ConnectorEventRequest,
        actor: String
    ) async throws
        -> Choros_V1_ConnectorEventResponse
    {
        guard ConnectorEvent.recorded.contains(request.op) else {
            throw Refusal(
                .connector,
                .invalidArgument,
                "op must be one of \(ConnectorEvent.recorded.sorted().joined(separator: ", ")), got '\(request.op.prefix(40))'"
            )
        }
        var event = Choros_V1_AuditEventInput()
        event.actor = actor
        event.op = request.op
        event.targetPath = String(request.instance.prefix(64))
        event.outcome = request.op == ConnectorEvent.refused ? "denied" : "ok"
        event.ts = Int64(Date().timeIntervalSince1970 * 1000)
        event.detail = Data(
            CanonicalJSON.encode([
                "client_id": .string(String(request.clientID.prefix(64))),
                "grant_id": .string(String(request.grantID.prefix(64))),
                "reason": .string(String(request.reason.prefix(200))),
            ])
        )
        let appended = try await self.daemons.audit.append([event])
        return .with { $0.seq = appended.first?.seq ?? 0 }
    }

    static func instanceName(_ text: String) throws -> InstanceName {
        do { return try InstanceName(text) } catch {
            throw Refusal(.connector, .invalidArgument, "instance: \(error)")
        }
    }

    /// The instance the connector will act as, with a key the door holds: an enrolled one
    /// whose key is in `keys/connectors/` or `keys/instances/`, or (with `creating`) a new
    /// one whose key is made in `keys/connectors/` and enrolled.
    private func custody(of name: InstanceName, creating: Bool) async throws -> Choros_V1_ConnectorApproveResponse {
        let keys = self.configuration.keysDirectory
        if let record = try await self.daemons.store.registry.current().record(named: name.rawValue) {
            guard record.revokedAt == nil else {
                throw Refusal(
                    .connector,
                    .failedPrecondition,
                    "'\(record.name)' is revoked: a connector cannot act as it"
                )
            }
            guard CustodialKeys.key(keysDirectory: keys, instance: record.name.rawValue, author: record.author) != nil
            else {
                throw Refusal(
                    .connector,
                    .failedPrecondition,
                    "'\(record.name)' keeps its key to itself (added with --user): the door cannot sign as it; "
                        + "approve the connector as another name"
                )
            }
            return .with {
                $0.instance = record.name.rawValue
                $0.author = record.author.rawValue
            }
        }
        guard creating else { return .with { $0.instance = name.rawValue } }
        return try await self.enroll(name)
    }

    private func enroll(_ name: InstanceName) async throws -> Choros_V1_ConnectorApproveResponse {
        let directory = self.configuration.keysDirectory + "/connectors"
        let path = directory + "/\(name.rawValue).key"
        try FileManager.default.createDirectory(
            atPath: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        // A key file left by an enrollment that failed after writing it is reused, not replaced.
        let key =
            try (try? SigningKey.load(from: path))
            ?? {
                let key = try SigningKey.generate()
                try key.save(to: path)
                return key
            }()
        let practitioner = try SigningKey.load(from: self.configuration.keysDirectory + "/practitioner.key")
        let op = try SignedOperation.make(
            type: .instanceEnroll,
            body: ["name": .string(name.rawValue), "author": .string(key.author.rawValue)],
            timestamp: Int64(Date().timeIntervalSince1970 * 1000),
            key: practitioner,
            deployment: try self.configuration.deploymentID()
        )
        let response = try await self.keeper.change(op.proto, now: Int64(Date().timeIntervalSince1970 * 1000))
        return .with {
            $0.instance = response.record.name
            $0.author = response.record.author
            $0.enrolled = true
        }
    }

    private func approvalEvent(
        _ request: Choros_V1_ConnectorApproveRequest,
        response: Choros_V1_ConnectorApproveResponse,
        channel: String
    ) -> Choros_V1_AuditEventInput {
        var event = Choros_V1_AuditEventInput()
        event.actor = "practitioner"
        event.op = ConnectorEvent.approve
        event.targetPath = response.instance
        event.outcome = "ok"
        event.ts = Int64(Date().timeIntervalSince1970 * 1000)
        var detail: [String: JSONValue] = [
            "channel": .string(channel),
            "transaction": .string(String(request.transaction.prefix(64))),
            "client_id": .string(String(request.clientID.prefix(64))),
            "client_name": .string(String(request.clientName.prefix(100))),
            "redirect_uri": .string(String(request.redirectUri.prefix(2048))),
            "enrolled": .bool(response.enrolled),
        ]
        if channel == "totp" { detail["window"] = .integer(response.window) }
        event.detail = Data(CanonicalJSON.encode(.object(detail)))
        return event
    }
}

/// The audit ops of the HTTP door's OAuth lifecycle.
enum ConnectorEvent {
    static let approve = "connector.approve"
    static let refused = "connector.refused"
    /// The ops the door (or the practitioner's console) records through `ConnectorEvent`; an
    /// approval is recorded only by the approval itself.
    static let recorded: Set<String> = ["connector.register", refused, "connector.issue", "connector.revoke"]
    /// The door, as the actor of its own events and of its wrong codes.
    static let door = "http"
    /// The purpose a connector approval spends its TOTP window for.
    static let purpose = "connector"
}
