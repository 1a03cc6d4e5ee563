import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import Testing

/// `choros up` with the real daemons, as a practitioner runs it.
@Suite("Supervisor with the real daemons", .serialized, .timeLimit(.minutes(3)))
struct SupervisorTests {
    static let daemons = ["store", "audit", "index", "airlock", "gateway"]
    let supervisorStatus = RPCMethod<Choros_V1_SupervisorStatusRequest, Choros_V1_SupervisorStatusResponse>(
        "/choros.v1.Supervisor/Status",
        isIdempotent: true
    )

    private func status(_ client: WireClient) async throws -> [String: Choros_V1_DaemonStatus] {
        let response = try await client.call(supervisorStatus, .init(), options: CallOptions(timeout: .seconds(10)))
        return Dictionary(uniqueKeysWithValues: response.daemons.map { ($0.name, $0) })
    }

    /// Polls status until `condition` holds; returns how long it took.
    private func waitForStatus(
        _ client: WireClient,
        within limit: Duration,
        until condition: ([String: Choros_V1_DaemonStatus]) -> Bool
    ) async throws -> Duration {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if let daemons = try? await self.status(client), condition(daemons) { return ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("status condition not met within \(limit)")
        return limit
    }

    @Test("up, status, kill -9 and restart within 5 s, restart one, stop leaves nothing behind")
    func fullLifecycle() async throws {
        try await TestSlots.exclusive { try await self.lifecycle() }
    }

    private func lifecycle() async throws {
        try await withTemporaryDirectory { directory in
            let dataDirectory = directory.appending("d")
            let up = try ChildProcess("choros", ["up", "--data-dir", dataDirectory], outputDirectory: directory.path)
            defer { up.signal(SIGKILL) }
            let client = WireClient(socketPath: dataDirectory + "/run/supervisor.sock")

            _ = try await self.waitForStatus(client, within: .seconds(30)) { daemons in
                Self.daemons.allSatisfy { daemons[$0]?.state == "healthy" }
            }
            // `choros up` then runs `choros-admin init`; the restarts below are timed once it
            // is done, so they measure the supervisor, not a first-run setup competing for CPU.
            for _ in 0..<600 where !up.errorOutput.contains("initializ") {
                try await Task.sleep(for: .milliseconds(50))
            }
            let cli = try await ChildProcess.run(
                "choros",
                ["status", "--json", "--data-dir", dataDirectory],
                outputDirectory: directory.path
            )
            #expect(cli.status == 0, "\(cli.error)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(cli.output.utf8)) as? [String: Any])
            let listed = try #require(json["daemons"] as? [[String: Any]])
            #expect(listed.map { $0["name"] as? String } == Self.daemons)
            for daemon in listed {
                #expect(daemon["state"] as? String == "healthy")
                #expect((daemon["pid"] as? Int ?? 0) > 0)
                #expect(daemon["uptime_ms"] != nil)
            }

            for name in Self.daemons {
                let before = try #require(try await self.status(client)[name])
                kill(before.pid, SIGKILL)
                let took = try await self.waitForStatus(client, within: .seconds(5)) { daemons in
                    guard let after = daemons[name] else { return false }
                    return after.state == "healthy" && after.pid != before.pid && after.restarts == before.restarts + 1
                }
                #expect(took < .seconds(5), "\(name) took \(took) to come back")
                #expect(try await self.status(client)[name]?.lastExit == "killed by signal 9")
            }
            let log = up.errorOutput
            for name in Self.daemons {
                #expect(
                    log.contains("daemon=\(name)") && log.contains("daemon restarted"),
                    "no restart of \(name) in the log"
                )
            }

            let beforeRestart = try await self.status(client)
            let restart = try await ChildProcess.run(
                "choros",
                ["restart", "index", "--data-dir", dataDirectory],
                outputDirectory: directory.path
            )
            #expect(restart.status == 0, "\(restart.error)")
            let afterRestart = try await self.status(client)
            for name in Self.daemons {
                if name == "index" {
                    #expect(afterRestart[name]?.pid != beforeRestart[name]?.pid)
                } else {
                    #expect(afterRestart[name]?.pid == beforeRestart[name]?.pid, "\(name) must not restart")
                }
            }
            let pids = afterRestart.values.map(\.pid) + [up.pid]
            await client.close()

            let stop = try await ChildProcess.run(
                "choros",
                ["stop", "--data-dir", dataDirectory, "--json"],
                outputDirectory: directory.path
            )
            #expect(stop.status == 0, "\(stop.error)")
            let stopped = try JSONSerialization.jsonObject(with: Data(stop.output.utf8)) as? [String: Bool]
            #expect(stopped == ["stopped": true], "stop --json prints JSON: \(stop.output)")
            #expect(try await up.waitForExit(timeout: .seconds(20)) == 0)
            for pid in pids { #expect(!isProcessAlive(pid), "pid \(pid) still running") }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dataDirectory + "/run")
            #expect(leftovers.filter { $0.hasSuffix(".sock") }.isEmpty, "stale sockets: \(leftovers)")
        }
    }

    @Test("SIGTERM to choros up stops every daemon gracefully")
    func sigtermStopsAll() async throws {
        try await withTemporaryDirectory { directory in
            let dataDirectory = directory.appending("d")
            let up = try ChildProcess("choros", ["up", "--data-dir", dataDirectory], outputDirectory: directory.path)
            defer { up.signal(SIGKILL) }
            let client = WireClient(socketPath: dataDirectory + "/run/supervisor.sock")
            _ = try await self.waitForStatus(client, within: .seconds(30)) { daemons in
                Self.daemons.allSatisfy { daemons[$0]?.state == "healthy" }
            }
            let pids = try await self.status(client).values.map(\.pid)
            await client.close()
            up.signal(SIGTERM)
            #expect(try await up.waitForExit(timeout: .seconds(30)) == 0)
            for pid in pids { #expect(!isProcessAlive(pid)) }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dataDirectory + "/run")
            #expect(leftovers.filter { $0.hasSuffix(".sock") }.isEmpty, "stale sockets: \(leftovers)")
        }
    }

    @Test("log_format = json: every daemon's log is JSON lines; SIGHUP reopens the logs after an outside logrotate")
    func jsonLogsAndReopen() async throws {
        try await withTemporaryDirectory { directory in
            let dataDirectory = directory.appending("d")
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            try "log_format = \"json\"\n".write(
                toFile: dataDirectory + "/choros.toml",
                atomically: true,
                encoding: .utf8
            )
            let up = try ChildProcess("choros", ["up", "--data-dir", dataDirectory], outputDirectory: directory.path)
            defer { up.signal(SIGKILL) }
            let client = WireClient(socketPath: dataDirectory + "/run/supervisor.sock")
            _ = try await self.waitForStatus(client, within: .seconds(30)) { daemons in
                Self.daemons.allSatisfy { daemons[$0]?.state == "healthy" }
            }
            let logs = dataDirectory + "/logs/"
            for name in Self.daemons {
                let text = try String(contentsOfFile: logs + name + ".log", encoding: .utf8)
                let lines = text.split(separator: "\n")
                #expect(!lines.isEmpty, "\(name).log is empty")
                for line in lines {
                    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    #expect(object?["daemon"] as? String == name, "\(name).log: \(line)")
                    #expect(object?["level"] != nil && object?["ts"] != nil && object?["message"] != nil)
                }
            }

            // logrotate's way: move the file, then SIGHUP; the next lines go to a new file.
            try FileManager.default.moveItem(atPath: logs + "index.log", toPath: logs + "index.log.moved")
            kill(up.pid, SIGHUP)
            let reopened = try await eventually {
                FileManager.default.fileExists(atPath: logs + "index.log")
            } until: {
                $0
            }
            #expect(reopened, "SIGHUP makes the supervisor open index.log again")
            let restart = try await ChildProcess.run(
                "choros",
                ["restart", "index", "--data-dir", dataDirectory],
                outputDirectory: directory.path
            )
            #expect(restart.status == 0, "\(restart.error)")
            let fresh = try await eventually {
                (try? String(contentsOfFile: logs + "index.log", encoding: .utf8)) ?? ""
            } until: {
                $0.contains("\"message\":\"starting\"")
            }
            #expect(fresh.contains("\"message\":\"starting\""), "the restarted index logs to the new file: \(fresh)")
            #expect(isProcessAlive(up.pid), "SIGHUP does not stop choros up")
            await client.close()
            up.signal(SIGTERM)
            #expect(try await up.waitForExit(timeout: .seconds(30)) == 0)
        }
    }

    /// Each restart gets a new output pipe; the soak crashed `choros up` once in libdispatch
    /// when pipes were read through Foundation's readabilityHandler.
    @Test("12 kill -9 of daemons in a row: choros up stays up and every start reaches its log")
    func restartsKeepLogging() async throws {
        try await TestSlots.exclusive {
            try await withTemporaryDirectory { directory in
                let dataDirectory = directory.appending("d")
                let up = try ChildProcess(
                    "choros",
                    ["up", "--data-dir", dataDirectory],
                    outputDirectory: directory.path
                )
                defer { up.signal(SIGKILL) }
                let client = WireClient(socketPath: dataDirectory + "/run/supervisor.sock")
                _ = try await self.waitForStatus(client, within: .seconds(30)) { daemons in
                    Self.daemons.allSatisfy { daemons[$0]?.state == "healthy" }
                }
                var kills: [String: Int] = [:]
                for round in 0..<12 {
                    let name = ["store", "index", "airlock"][round % 3]
                    let before = try await self.status(client)
                    kill(before[name]?.pid ?? 0, SIGKILL)
                    kills[name, default: 0] += 1
                    _ = try await self.waitForStatus(client, within: .seconds(20)) { daemons in
                        daemons[name]?.state == "healthy" && daemons[name]?.pid != before[name]?.pid
                    }
                }
                #expect(isProcessAlive(up.pid), "choros up survived 12 restarts")
                for (name, count) in kills {
                    let log = try String(contentsOfFile: dataDirectory + "/logs/\(name).log", encoding: .utf8)
                    let starts = log.components(separatedBy: "starting").count - 1
                    #expect(starts == count + 1, "\(name).log holds \(starts) starts for \(count) kills")
                }
                await client.close()
                up.signal(SIGTERM)
                #expect(try await up.waitForExit(timeout: .seconds(30)) == 0)
            }
        }
    }
}
