package import ChorosProto
internal import Foundation

/// The methods of `choros.v1.Health`.
package enum HealthRPC {
    /// `/choros.v1.Health/Check`, served by every daemon.
    package static let check = RPCMethod<Choros_V1_HealthCheckRequest, Choros_V1_HealthCheckResponse>(
        "/choros.v1.Health/Check",
        isIdempotent: true
    )
}

extension RPCRouter {
    /// Serves Health/Check for `service`, with the figures `figures` returns at each call.
    package mutating func registerHealth(
        service: String,
        version: String,
        startedAt: ContinuousClock.Instant = .now,
        figures: @escaping @Sendable () async -> [String: String] = { [:] }
    ) {
        let pid = ProcessInfo.processInfo.processIdentifier
        self.register(HealthRPC.check) { _, _ in
            var response = Choros_V1_HealthCheckResponse()
            response.status = .serving
            response.service = service
            response.version = version
            response.pid = pid
            let uptime = startedAt.duration(to: .now).components
            response.uptimeMs = UInt64(uptime.seconds * 1000 + uptime.attoseconds / 1_000_000_000_000_000)
            response.figures = await figures()
            return response
        }
    }
}
