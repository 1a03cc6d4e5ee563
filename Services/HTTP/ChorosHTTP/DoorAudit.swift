internal import ChorosClients
internal import ChorosProto
internal import ChorosWire
internal import Logging
internal import SwiftProtobuf

/// The door's audit events (registrations, refusals, issues, revocations), appended by the
/// airlock: the door reaches the gateway and the airlock, never the audit log itself.
struct DoorAudit: Sendable {
    let airlock: AirlockClient
    let logger: Logger

    /// A failure to record is logged (never with a secret) and does not fail the request.
    func record(
        _ op: String,
        clientID: String,
        grantID: String = "",
        instance: String = "",
        reason: String
    ) async {
        do {
            _ = try await self.airlock.call(
                ConnectorRPC.event,
                .with {
                    $0.op = op
                    $0.clientID = clientID
                    $0.grantID = grantID
                    $0.instance = instance
                    $0.reason = reason
                }
            )
        } catch {
            self.logger.warning("cannot audit a connector event", metadata: ["op": "\(op)", "error": "\(error)"])
        }
    }
}
