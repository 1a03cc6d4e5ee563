package import ChorosCore
internal import ChorosPractitioner
internal import Foundation
internal import Hummingbird
package import Logging
internal import NIOCore
package import ServiceLifecycle

/// The composition root of `choros-cockpit`: the practitioner's cockpit on 127.0.0.1 (never
/// another address), with a one-time login URL handed to `announce` once the port is bound.
package func makeCockpit(
    configuration: ChorosConfiguration,
    port: Int? = nil,
    loginToken: String = CockpitSessions.randomToken(),
    logger: Logger,
    announce: @escaping @Sendable (_ loginURL: String) -> Void
) throws -> some Service {
    let cockpit = try Cockpit(configuration: configuration, loginToken: loginToken, logger: logger)
    return Application(
        router: cockpit.router(),
        configuration: .init(address: .hostname("127.0.0.1", port: port ?? configuration.cockpitPort), serverName: nil),
        onServerRunning: { channel in
            let bound = channel.localAddress?.port ?? configuration.cockpitPort
            announce("http://127.0.0.1:\(bound)/login?token=\(loginToken)")
            // The overview shows the last verification: one now, not per page.
            Task { if let result = try? await cockpit.practitioner.verifyAudit() { cockpit.record(result) } }
        },
        logger: logger
    )
}
