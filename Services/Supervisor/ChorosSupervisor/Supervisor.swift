internal import ChorosProto
internal import ChorosWire
internal import Foundation
package import Logging
internal import ServiceLifecycle
internal import UnixSignals

/// Starts the daemons in order, restarts a crashed one with backoff, restarts one on request,
/// and stops them all in reverse order on graceful shutdown or a Stop call.
///
/// An actor because it orchestrates: process exits, restart timers and RPCs all change the
/// same table, and each change may await (a health check, a process exit).
package actor Supervisor: Service {
    enum Event: Sendable {
        case exited(name: String, pid: Int32, exit: DaemonExit)
        case restartDue(name: String, generation: Int)
        case stop
    }

    let configuration: SupervisorConfiguration
    let logger: Logger
    var daemons: [String: ManagedDaemon] = [:]
    /// Each daemon's log, kept across its restarts.
    var logs: [String: LogFile] = [:]
    let startedAt = ContinuousClock.now
    private let events: AsyncStream<Event>
    private let eventSink: AsyncStream<Event>.Continuation
    private var isStopping = false
    private var isStopped = false
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []

    package init(configuration: SupervisorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        (self.events, self.eventSink) = AsyncStream.makeStream(of: Event.self)
        for name in configuration.daemonNames {
            self.daemons[name] = ManagedDaemon(
                name: name,
                client: WireClient(socketPath: configuration.socketPath(for: name)),
                backoff: configuration.initialBackoff
            )
        }
    }

    package func run() async throws {
        // From the start, so a logrotate during the first start or `init` is not lost.
        let hangups = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) { self.reopenLogs() }
        }
        defer { hangups.cancel() }
        do {
            try await self.startAll()
        } catch {
            await self.stopAll()
            throw error
        }
        self.logger.info(
            "all daemons healthy",
            metadata: ["socket": "\(self.configuration.socketPath(for: "gateway"))"]
        )
        await self.runInitializer()
        let sink = self.eventSink
        await withDiscardingTaskGroup { timers in
            await withGracefulShutdownHandler {
                for await event in self.events {
                    if case .stop = event { break }
                    await self.handle(event, timers: &timers)
                }
            } onGracefulShutdown: {
                sink.yield(.stop)
            }
            timers.cancelAll()
        }
        await self.stopAll()
    }

    /// SIGHUP: every log file is closed and opened again (after an outside logrotate).
    private func reopenLogs() {
        for log in self.logs.values { log.reopen() }
        self.logger.info("logs reopened (SIGHUP)")
    }

    private func handle(_ event: Event, timers: inout DiscardingTaskGroup) async {
        switch event {
        case .exited(let name, let pid, let exit):
            guard let delay = self.recordExit(of: name, pid: pid, exit: exit) else { return }
            let generation = self.daemons[name]?.generation ?? 0
            let sink = self.eventSink
            timers.addTask {
                try? await Task.sleep(for: delay)
                sink.yield(.restartDue(name: name, generation: generation))
            }
        case .restartDue(let name, let generation):
            guard let daemon = self.daemons[name], daemon.state == .backoff, daemon.generation == generation else {
                return
            }
            do {
                try await self.start(name)
                self.daemons[name]?.restarts += 1
                self.logger.warning(
                    "daemon restarted",
                    metadata: ["daemon": "\(name)", "pid": "\(self.daemons[name]?.process?.pid ?? 0)"]
                )
            } catch {
                self.logger.error("restart failed", metadata: ["daemon": "\(name)", "error.message": "\(error)"])
                self.daemons[name]?.process?.signal(SIGKILL)
            }
        case .stop:
            return
        }
    }

    /// Records an exit; returns the delay before a restart, or nil when none is due.
    private func recordExit(of name: String, pid: Int32, exit: DaemonExit) -> Duration? {
        guard var daemon = self.daemons[name], daemon.process?.pid == pid else { return nil }
        defer { self.daemons[name] = daemon }
        let ranFor = daemon.process.map { $0.startedAt.duration(to: .now) } ?? .zero
        daemon.process = nil
        daemon.lastExit = exit.description
        guard !self.isStopping, daemon.state != .restarting else { return nil }
        self.logger.warning("daemon exited", metadata: ["daemon": "\(name)", "pid": "\(pid)", "exit": "\(exit)"])
        if exit == .status(78) {
            daemon.state = .failed("bad configuration (see choros logs \(name))")
            return nil
        }
        if ranFor >= self.configuration.stableAfter { daemon.backoff = self.configuration.initialBackoff }
        let delay = daemon.backoff
        daemon.backoff = min(daemon.backoff * 2, self.configuration.maximumBackoff)
        daemon.state = .backoff
        return delay
    }

    private func startAll() async throws {
        try FileManager.default.createDirectory(
            atPath: self.configuration.logDirectory,
            withIntermediateDirectories: true
        )
        for name in self.configuration.daemonNames {
            try await self.start(name)
        }
    }

    /// Launches `name` and waits until it answers Health.
    func start(_ name: String) async throws {
        guard self.daemons[name] != nil else { throw SupervisorError.unknownDaemon(name) }
        let executable = self.configuration.binDirectory + "/choros-" + name
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw SupervisorError.executableNotFound(path: executable)
        }
        let sink = self.eventSink
        let log =
            try self.logs[name]
            ?? LogFile(
                path: self.configuration.logDirectory + "/" + name + ".log",
                maximumBytes: self.configuration.logMaximumBytes,
                keep: self.configuration.logKeep
            )
        self.logs[name] = log
        let process = try DaemonProcess.launch(
            executable: executable,
            arguments: self.configuration.daemonArguments,
            log: log
        ) { pid, exit in
            sink.yield(.exited(name: name, pid: pid, exit: exit))
        }
        self.daemons[name]?.process = process
        self.daemons[name]?.generation += 1
        self.daemons[name]?.state = .starting
        try await self.waitUntilHealthy(name, process: process)
        self.daemons[name]?.state = .running
        self.logger.info("daemon healthy", metadata: ["daemon": "\(name)", "pid": "\(process.pid)"])
    }

    private func waitUntilHealthy(_ name: String, process: DaemonProcess) async throws {
        guard let client = self.daemons[name]?.client else { throw SupervisorError.unknownDaemon(name) }
        let deadline = ContinuousClock.now + self.configuration.startTimeout
        let once = CallOptions(timeout: .milliseconds(500), isIdempotent: false)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                let reason = self.daemons[name]?.lastExit ?? ""
                throw SupervisorError.daemonDidNotStart(name: name, reason: reason.isEmpty ? "it exited" : reason)
            }
            if (try? await client.call(HealthRPC.check, Choros_V1_HealthCheckRequest(), options: once)) != nil {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw SupervisorError.daemonDidNotStart(
            name: name,
            reason: "no health answer within \(self.configuration.startTimeout)"
        )
    }

    /// SIGTERM, then SIGKILL after the stop timeout; returns once the process is gone.
    func terminate(_ name: String) async {
        guard let process = self.daemons[name]?.process else { return }
        process.signal(SIGTERM)
        let deadline = ContinuousClock.now + self.configuration.stopTimeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            self.logger.warning(
                "daemon ignored SIGTERM, killing it",
                metadata: ["daemon": "\(name)", "pid": "\(process.pid)"]
            )
            process.signal(SIGKILL)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        }
    }

    /// Restarts one daemon on request: stop it gracefully, start it, wait for health.
    func restart(_ name: String) async throws {
        guard !self.isStopping else { throw SupervisorError.stopping }
        guard self.daemons[name] != nil else { throw SupervisorError.unknownDaemon(name) }
        self.daemons[name]?.state = .restarting
        await self.terminate(name)
        self.daemons[name]?.process = nil
        try await self.start(name)
        self.daemons[name]?.restarts += 1
        self.logger.info("daemon restarted on request", metadata: ["daemon": "\(name)"])
    }

    private func stopAll() async {
        self.isStopping = true
        for name in self.configuration.daemonNames.reversed() {
            await self.terminate(name)
            self.daemons[name]?.process = nil
            self.daemons[name]?.state = .stopped
            await self.daemons[name]?.client.close()
        }
        self.isStopped = true
        for waiter in self.stopWaiters { waiter.resume() }
        self.stopWaiters.removeAll()
        self.logger.info("all daemons stopped")
    }

    /// Stops every daemon; returns when they are all gone. The service then ends, which shuts
    /// the supervisor's own group down.
    func stop() async {
        guard !self.isStopped else { return }
        self.eventSink.yield(.stop)
        await withCheckedContinuation { self.stopWaiters.append($0) }
    }
}
