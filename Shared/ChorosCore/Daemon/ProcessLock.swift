internal import Foundation

/// An exclusive `flock` on `<run_dir>/<name>.lock`, held for the life of the process, so a
/// second copy of a daemon fails fast instead of stealing the first one's socket.
package final class ProcessLock: Sendable {
    package let path: String
    private let descriptor: Int32

    /// - Throws: `ProcessLockError.held` naming the holder's pid when another process has it.
    package init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ProcessLockError.cannotOpen(path: path, errno: errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readPID(descriptor)
            close(descriptor)
            throw ProcessLockError.held(path: path, holderPID: holder)
        }
        self.descriptor = descriptor
        let pid = "\(getpid())\n"
        ftruncate(descriptor, 0)
        _ = pid.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    deinit {
        close(self.descriptor)
    }

    private static func readPID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

package enum ProcessLockError: Error, CustomStringConvertible {
    case cannotOpen(path: String, errno: Int32)
    case held(path: String, holderPID: Int32?)

    package var description: String {
        switch self {
        case .cannotOpen(let path, let errno):
            "cannot open lock file \(path): \(String(cString: strerror(errno)))"
        case .held(let path, let holderPID):
            "already running: \(path) is held by pid \(holderPID.map(String.init) ?? "unknown")"
        }
    }
}
