internal import ChorosProto
internal import ChorosWire
internal import Foundation

extension Supervisor {
    private struct Snapshot: Sendable {
        var status: Choros_V1_DaemonStatus
        var client: WireClient
        var isUp: Bool
    }

    /// Every daemon's pid, uptime, state, restarts and health figures (each asked with a short,
    /// non-retried Health call, all at once, so a hung daemon costs one second, not five).
    func status() async -> Choros_V1_SupervisorStatusResponse {
        let snapshots = self.configuration.daemonNames.compactMap { name -> Snapshot? in
            guard let daemon = self.daemons[name] else { return nil }
            var status = Choros_V1_DaemonStatus()
            status.name = name
            status.pid = daemon.process?.pid ?? 0
            status.uptimeMs = daemon.process.map { Self.milliseconds($0.startedAt.duration(to: .now)) } ?? 0
            status.state = daemon.state.label
            status.restarts = daemon.restarts
            status.socketPath = self.configuration.socketPath(for: name)
            status.lastExit = daemon.lastExit
            return Snapshot(status: status, client: daemon.client, isUp: daemon.state == .running)
        }
        var response = Choros_V1_SupervisorStatusResponse()
        response.supervisorPid = ProcessInfo.processInfo.processIdentifier
        response.uptimeMs = Self.milliseconds(self.startedAt.duration(to: .now))
        response.dataDir = self.configuration.dataDirectory
        response.daemons = await withTaskGroup(of: (Int, Choros_V1_DaemonStatus).self) { group in
            for (index, snapshot) in snapshots.enumerated() {
                group.addTask { (index, await Self.checkHealth(snapshot)) }
            }
            var results = [Choros_V1_DaemonStatus?](repeating: nil, count: snapshots.count)
            for await (index, status) in group { results[index] = status }
            return results.compactMap { $0 }
        }
        return response
    }

    private static func checkHealth(_ snapshot: Snapshot) async -> Choros_V1_DaemonStatus {
        var status = snapshot.status
        guard snapshot.isUp else { return status }
        let once = CallOptions(timeout: .seconds(1), isIdempotent: false)
        if let health = try? await snapshot.client.call(HealthRPC.check, Choros_V1_HealthCheckRequest(), options: once)
        {
            status.state = "healthy"
            status.figures = health.figures
        } else {
            status.state = "unhealthy"
        }
        return status
    }

    static func milliseconds(_ duration: Duration) -> UInt64 {
        let components = duration.components
        return UInt64(max(0, components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000))
    }
}
