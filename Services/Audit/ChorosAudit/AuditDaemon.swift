package import ChorosCore
internal import ChorosWire
package import Logging
package import ServiceLifecycle

/// The composition root of `choros-audit`: serves `audit.sock`. Its RPCs arrive with issue #5;
/// today it serves Health.
package func makeAuditDaemon(configuration: ChorosConfiguration, logger: Logger) async throws -> [any Service] {
    let figures = ["audit_db": configuration.auditDatabase]
    return [WireServer.daemon(name: "audit", configuration: configuration, logger: logger) { figures }]
}
