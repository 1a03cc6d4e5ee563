internal import Foundation

/// One running daemon process, its stdout and stderr piped into its log file.
struct DaemonProcess: Sendable {
    let pid: Int32
    let startedAt: ContinuousClock.Instant
    let process: Process

    /// Starts `executable` with `arguments`, its stdout and stderr piped into `log`, and calls
    /// `onExit` with the wait status description once it has exited.
    static func launch(
        executable: String,
        arguments: [String],
        log: LogFile,
        onExit: @escaping @Sendable (_ pid: Int32, _ exit: DaemonExit) -> Void
    ) throws -> DaemonProcess {
        let output = Pipe()
        // Read as it arrives (a dispatch source), until the daemon and its children close it.
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { log.append(data) }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        process.terminationHandler = { finished in
            let exit: DaemonExit =
                finished.terminationReason == .uncaughtSignal
                ? .signal(finished.terminationStatus) : .status(finished.terminationStatus)
            onExit(finished.processIdentifier, exit)
        }
        try process.run()
        try? output.fileHandleForWriting.close()
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
