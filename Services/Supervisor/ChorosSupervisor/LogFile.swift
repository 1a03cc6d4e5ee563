package import Foundation
internal import NIOConcurrencyHelpers

/// One daemon's log, written by the supervisor from the daemon's output pipe: rotated by size
/// (`NAME.log` → `NAME.log.1` … `NAME.log.<keep>`, the oldest dropped) and reopened on SIGHUP,
/// so an outside logrotate that moved the file is followed too.
///
/// It outlives the daemon's restarts; every write is one write(2) of what the pipe delivered.
package final class LogFile: Sendable {
    package let path: String
    private let maximumBytes: Int
    private let keep: Int
    private struct State {
        var descriptor: Int32 = -1
        var size = 0
    }
    private let state = NIOLockedValueBox(State())

    package init(path: String, maximumBytes: Int, keep: Int) throws {
        self.path = path
        self.maximumBytes = maximumBytes
        self.keep = keep
        try self.state.withLockedValue { try self.open(&$0) }
    }

    deinit {
        self.state.withLockedValue { if $0.descriptor >= 0 { close($0.descriptor) } }
    }

    package func append(_ bytes: Data) {
        guard !bytes.isEmpty else { return }
        self.state.withLockedValue { state in
            if state.size > 0, state.size + bytes.count > self.maximumBytes { self.rotate(&state) }
            guard state.descriptor >= 0 else { return }
            let written = bytes.withUnsafeBytes { Foundation.write(state.descriptor, $0.baseAddress, $0.count) }
            if written > 0 { state.size += written }
        }
    }

    /// Closes and opens the path again (SIGHUP).
    package func reopen() {
        self.state.withLockedValue { state in
            if state.descriptor >= 0 { close(state.descriptor) }
            state.descriptor = -1
            try? self.open(&state)
        }
    }

    private func rotate(_ state: inout State) {
        if state.descriptor >= 0 { close(state.descriptor) }
        state.descriptor = -1
        if self.keep == 0 {
            unlink(self.path)
        } else {
            unlink("\(self.path).\(self.keep)")
            for index in stride(from: self.keep - 1, through: 1, by: -1) {
                rename("\(self.path).\(index)", "\(self.path).\(index + 1)")
            }
            rename(self.path, "\(self.path).1")
        }
        try? self.open(&state)
    }

    private func open(_ state: inout State) throws {
        let descriptor = Foundation.open(self.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw SupervisorError.cannotOpenLog(path: self.path) }
        var info = stat()
        state.size = fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0
        state.descriptor = descriptor
    }
}
