internal import Foundation
package import Logging
package import ServiceLifecycle
internal import UnixSignals

/// Runs a daemon's services the same way for every daemon: configuration, logging, the
/// process lock, the run directory, signals, and exit codes the supervisor understands.
package enum DaemonRunner {
    /// `EX_CONFIG`: the supervisor stops instead of restarting into the same bad config.
    package static let configurationExitCode: Int32 = 78

    /// Loads the configuration, takes `<run_dir>/<name>.lock`, runs the services returned by
    /// `makeServices` until SIGTERM or SIGINT, and exits: 0 after a graceful stop, 1 on a
    /// failure, 78 on a bad configuration. Never returns.
    package static func run(
        name: String,
        options: DaemonOptions,
        makeServices: (ChorosConfiguration, Logger) async throws -> [any Service]
    ) async -> Never {
        await self.run(name: name, options: options) { configuration, logger in
            try await makeServices(configuration, logger).map {
                ServiceGroupConfiguration.ServiceConfiguration(service: $0)
            }
        }
    }

    /// As `run(name:options:makeServices:)`, for a daemon that sets how each service's end
    /// affects the group (the supervisor shuts the group down gracefully when it is told to stop).
    package static func run(
        name: String,
        options: DaemonOptions,
        makeServices: (ChorosConfiguration, Logger) async throws -> [ServiceGroupConfiguration.ServiceConfiguration]
    ) async -> Never {
        let configuration: ChorosConfiguration
        do {
            configuration = try options.loadConfiguration()
        } catch {
            FileHandle.standardError.write(Data("choros-\(name): \(error)\n".utf8))
            exit(Self.configurationExitCode)
        }
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let format = configuration.logFormat
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                format == .json
                ? JSONLogHandler(label: label, daemon: name) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        DaemonMetrics.bootstrap(daemon: name)
        var logger = Logger(label: "choros.\(name)")
        logger[metadataKey: "service"] = "\(name)"
        // A stray SIGHUP (a closed terminal) must not kill a daemon; the supervisor traps it to
        // reopen its logs.
        signal(SIGHUP, SIG_IGN)
        // Output goes to the supervisor's pipe: a supervisor gone must not kill a daemon that
        // then logs (the write fails instead).
        signal(SIGPIPE, SIG_IGN)
        do {
            try RunDirectory.prepare(configuration)
            Self.raiseFileLimit()
            Self.limitMallocArenas()
            let lock = try ProcessLock(path: configuration.runDirectory + "/\(name).lock")
            logger.info(
                "starting",
                metadata: ["pid": "\(getpid())", "config": "\(configuration.configurationFile ?? "none")"]
            )
            let services = try await makeServices(configuration, logger)
            let group = ServiceGroup(
                configuration: Self.groupConfiguration(services: services, logger: logger)
            )
            try await group.run()
            logger.info("stopped")
            withExtendedLifetime(lock) {}
            exit(0)
        } catch {
            logger.critical(
                "daemon failed",
                metadata: ["error.type": "\(type(of: error))", "error.message": "\(error)"]
            )
            exit(1)
        }
    }

    /// glibc gives each thread that allocates under contention an arena of its own, up to eight
    /// per core, and never returns their high-water marks; a daemon's NIO and pool threads made
    /// that several MiB of idle RSS each. Two arenas keep the pool threads' allocations fast
    /// enough (the hot paths allocate little) at a bounded footprint.
    /// (`mallopt` is not in Swift's Glibc module, hence the lookup; `M_ARENA_MAX` is -8.)
    private static func limitMallocArenas() {
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: MallOpt.self)(-8, 2)
    }

    /// Connections are bounded per uid by the daemons themselves; the soft descriptor limit
    /// (often 1024) should not be the bound that bites first.
    private static func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    private static func groupConfiguration(
        services: [ServiceGroupConfiguration.ServiceConfiguration],
        logger: Logger
    ) -> ServiceGroupConfiguration {
        var configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = .seconds(10)
        configuration.maximumCancellationDuration = .seconds(3)
        return configuration
    }
}
