internal import Foundation

/// One running daemon process, its log file taking both stdout and stderr.
struct DaemonProcess: Sendable {
    let pid: Int32
    let startedAt: ContinuousClock.Instant
    let process: Process

    /// Starts `executable` with `arguments`, appending its output to `logPath`, and calls
    /// `onExit` with the wait status description once it has exited.
    static func launch(
        executable: String,
        arguments: [String],
        logPath: String,
        onExit: @escaping @Sendable (_ pid: Int32, _ exit: DaemonExit) -> Void
    ) throws -> DaemonProcess {
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o640])
        }
        guard let log = FileHandle(forWritingAtPath: logPath) else {
            throw SupervisorError.cannotOpenLog(path: logPath)
        }
        log.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        process.terminationHandler = { finished in
            let exit: DaemonExit =
                finished.terminationReason == .uncaughtSignal
                ? .signal(finished.terminationStatus) : .status(finished.terminationStatus)
            onExit(finished.processIdentifier, exit)
        }
        try process.run()
        try? log.close()
        return DaemonProcess(pid: process.processIdentifier, startedAt: .now, process: process)
    }

    var isRunning: Bool { self.process.isRunning }

    func signal(_ signal: Int32) {
        if self.process.isRunning { kill(self.pid, signal) }
    }
}

/// How a daemon process ended.
enum DaemonExit: Sendable, Equatable, CustomStringConvertible {
    case status(Int32)
    case signal(Int32)

    var description: String {
        switch self {
        case .status(let code): "exited with status \(code)"
        case .signal(let signal): "killed by signal \(signal)"
        }
    }
}
