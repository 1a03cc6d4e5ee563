/// Where the supervisor finds the daemons and what it passes them.
///
/// - `binDirectory`: the folder holding `choros-<name>` executables (the supervisor's own).
/// - `daemonArguments`: passed to every daemon (`--config F` or `--data-dir D`), so each reads
///   the same configuration the supervisor read.
/// - `logDirectory`: each daemon's stdout and stderr go to `<logDirectory>/<name>.log`,
///   moved to `<name>.log.1` … `.<logKeep>` past `logMaximumBytes` (`log_max_mb`, `log_keep`).
/// - `startTimeout`: how long a daemon has to answer Health after it is started (15 s).
/// - `stopTimeout`: how long a daemon has to exit after SIGTERM before SIGKILL (12 s, above
///   the daemons' own 10 s graceful-shutdown bound).
/// - `initialBackoff` / `maximumBackoff`: restart delays after a crash, doubling (100 ms to
///   5 s); the delay resets once a daemon has stayed up for `stableAfter` (10 s).
package struct SupervisorConfiguration: Sendable {
    package var binDirectory: String
    package var daemonArguments: [String]
    package var runDirectory: String
    package var logDirectory: String
    package var dataDirectory: String
    package var daemonNames: [String] = SupervisorRPC.daemonNames
    package var logMaximumBytes = 64 << 20
    package var logKeep = 5
    package var startTimeout: Duration = .seconds(15)
    package var stopTimeout: Duration = .seconds(12)
    package var initialBackoff: Duration = .milliseconds(100)
    package var maximumBackoff: Duration = .seconds(5)
    package var stableAfter: Duration = .seconds(10)
    /// Run once every daemon is healthy (`choros-admin init`: idempotent first-run setup);
    /// its output goes to `<log_dir>/init.log`.
    package var initializer: [String]? = nil

    package init(
        binDirectory: String,
        daemonArguments: [String],
        runDirectory: String,
        logDirectory: String,
        dataDirectory: String
    ) {
        self.binDirectory = binDirectory
        self.daemonArguments = daemonArguments
        self.runDirectory = runDirectory
        self.logDirectory = logDirectory
        self.dataDirectory = dataDirectory
    }

    func socketPath(for name: String) -> String { self.runDirectory + "/" + name + ".sock" }
}
