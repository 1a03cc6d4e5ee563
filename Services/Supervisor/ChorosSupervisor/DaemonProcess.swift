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
        // A pipe of our own, read by a thread of our own: Foundation's readabilityHandler
        // leaves a dispatch source on a descriptor it closes, and a 1,000-kill soak crashed
        // `choros up` in libdispatch's event loop that way. CLOEXEC keeps the next daemon
        // from inheriting this one's pipe (its end of file would never come).
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw SupervisorError.cannotOpenLog(path: log.path) }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        let writer = FileHandle(fileDescriptor: writeEnd, closeOnDealloc: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = writer
        process.standardError = writer
        process.terminationHandler = { finished in
            let exit: DaemonExit =
                finished.terminationReason == .uncaughtSignal
                ? .signal(finished.terminationStatus) : .status(finished.terminationStatus)
            onExit(finished.processIdentifier, exit)
        }
        do {
            try process.run()
        } catch {
            close(readEnd)
            throw error
        }
        try? writer.close()
        Thread { Self.copy(from: readEnd, into: log) }.start()
        return DaemonProcess(pid: process.processIdentifier, startedAt: .now, process: process)
    }

    /// Copies the daemon's output into its log until every writer has closed the pipe.
    private static func copy(from descriptor: Int32, into log: LogFile) {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                log.append(Data(buffer[..<count]))
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        close(descriptor)
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
