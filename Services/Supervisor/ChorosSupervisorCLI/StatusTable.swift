import ChorosProto
import Foundation

/// `choros status` as a table a person reads at a glance.
struct StatusTable {
    let status: Choros_V1_SupervisorStatusResponse

    init(_ status: Choros_V1_SupervisorStatusResponse) {
        self.status = status
    }

    var text: String {
        var rows = [["DAEMON", "PID", "UPTIME", "STATE", "RESTARTS", "FIGURES"]]
        for daemon in self.status.daemons {
            let figures = daemon.figures.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            rows.append([
                daemon.name,
                daemon.pid == 0 ? "-" : String(daemon.pid),
                daemon.pid == 0 ? "-" : Self.duration(daemon.uptimeMs),
                daemon.state + (daemon.lastExit.isEmpty ? "" : " (last: \(daemon.lastExit))"),
                String(daemon.restarts),
                figures.joined(separator: " "),
            ])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        let lines = rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        let header =
            "supervisor pid \(self.status.supervisorPid), up \(Self.duration(self.status.uptimeMs)), data \(self.status.dataDir)"
        return ([header] + lines.map { $0.trimmingCharacters(in: .whitespaces) }).joined(separator: "\n")
    }

    static func duration(_ milliseconds: UInt64) -> String {
        let seconds = milliseconds / 1000
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(seconds % 60)s" }
        return "\(seconds / 3600)h\(seconds % 3600 / 60)m"
    }
}
