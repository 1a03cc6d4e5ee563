internal import Foundation
internal import NIOPosix

/// A Unix-socket client that speaks raw bytes, for sending what no well-behaved client would
/// (garbage, oversized length prefixes) and reading exactly what comes back.
///
/// Its socket calls block, so every one runs on NIO's thread pool, never on the cooperative
/// pool (which has only as many threads as cores, and tests run in parallel). A read waits up
/// to 30 s by default: a server that never answers still fails the test, and one slowed by a
/// loaded machine (a CI run beside a soak took more than 5 s) does not.
// @unchecked: the descriptor is immutable and each test drives its socket from one task.
package final class RawSocket: @unchecked Sendable {
    private let descriptor: Int32

    package static func connect(path: String, receiveTimeout: Duration = .seconds(30)) async throws -> RawSocket {
        try await NIOThreadPool.singleton.runIfActive { try RawSocket(path: path, receiveTimeout: receiveTimeout) }
    }

    private init(path: String, receiveTimeout: Duration) throws {
        self.descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard self.descriptor >= 0 else { throw RawSocketError.system("socket", errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(self.descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            close(self.descriptor)
            throw RawSocketError.system("connect", errno)
        }
        var timeout = timeval(tv_sec: Int(receiveTimeout.components.seconds), tv_usec: 0)
        setsockopt(self.descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(self.descriptor) }

    /// Ends the connection both ways now (the descriptor itself is closed at deinit).
    package func hangUp() { Glibc.shutdown(self.descriptor, Int32(SHUT_RDWR)) }

    package func send(_ bytes: [UInt8]) async throws {
        try await NIOThreadPool.singleton.runIfActive { try self.sendBlocking(bytes) }
    }

    /// Reads exactly `count` bytes; `nil` if the peer closed first.
    package func receive(exactly count: Int) async throws -> [UInt8]? {
        try await NIOThreadPool.singleton.runIfActive { try self.receiveBlocking(exactly: count) }
    }

    /// True when the peer has closed the connection (a read returns end-of-file).
    package func isClosedByPeer() async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { try self.isClosedByPeerBlocking() }
    }

    private func sendBlocking(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(self.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw RawSocketError.system("send", errno) }
            offset += written
        }
    }

    private func receiveBlocking(exactly count: Int) throws -> [UInt8]? {
        var result = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let read = result[offset...].withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
            if read == 0 { return nil }
            guard read > 0 else { throw RawSocketError.system("recv", errno) }
            offset += read
        }
        return result
    }

    private func isClosedByPeerBlocking() throws -> Bool {
        var byte: UInt8 = 0
        let read = recv(self.descriptor, &byte, 1, 0)
        if read == 0 { return true }
        if read < 0, errno == ECONNRESET { return true }
        guard read > 0 else { throw RawSocketError.system("recv", errno) }
        return false
    }
}

package enum RawSocketError: Error, CustomStringConvertible {
    case system(String, Int32)

    package var description: String {
        switch self {
        case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        }
    }
}
