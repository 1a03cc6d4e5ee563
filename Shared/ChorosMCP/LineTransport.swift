internal import Foundation
internal import Logging
internal import MCP

#if canImport(Glibc)
internal import Glibc
#endif

/// MCP over stdio without polling. The SDK's `StdioTransport` makes stdin non-blocking and
/// sleeps 10 ms whenever a read finds nothing, which put a 10 ms floor under every call. Here
/// a thread of its own blocks in read(2) and hands each line to the server the moment the
/// kernel delivers it; writes go straight out, one message a line.
actor LineTransport: Transport {
    nonisolated let logger: Logger
    private let input: Int32
    private let output: Int32
    private let messages: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var isConnected = false
    /// Takes a line before the SDK sees it (returns true when it did); runs on the reader thread.
    private let intercept: @Sendable (Data) -> Bool

    init(
        input: Int32 = STDIN_FILENO,
        output: Int32 = STDOUT_FILENO,
        logger: Logger,
        intercept: @escaping @Sendable (Data) -> Bool = { _ in false }
    ) {
        self.input = input
        self.output = output
        self.logger = logger
        self.intercept = intercept
        (self.messages, self.continuation) = AsyncThrowingStream.makeStream(of: Data.self, throwing: (any Error).self)
    }

    func connect() async throws {
        guard !self.isConnected else { return }
        self.isConnected = true
        // Blocking reads: a descriptor left non-blocking by whoever held it before would spin.
        let flags = fcntl(self.input, F_GETFL)
        if flags >= 0, flags & O_NONBLOCK != 0 { _ = fcntl(self.input, F_SETFL, flags & ~O_NONBLOCK) }
        let (input, continuation, intercept) = (self.input, self.continuation, self.intercept)
        let reader = Thread { Self.readLines(from: input, into: continuation, intercept: intercept) }
        reader.name = "choros-mcp stdin"
        reader.start()
    }

    /// Reads until end of file, yielding each non-empty line without its newline.
    private static func readLines(
        from descriptor: Int32,
        into continuation: AsyncThrowingStream<Data, any Error>.Continuation,
        intercept: @Sendable (Data) -> Bool
    ) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            pending.append(contentsOf: buffer[..<count])
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                if newline > start {
                    let line = Data(pending[start..<newline])
                    if !intercept(line) { continuation.yield(line) }
                }
                start = newline + 1
            }
            pending.removeSubrange(..<start)
        }
        continuation.finish()
    }

    func disconnect() async {
        self.isConnected = false
        self.continuation.finish()
    }

    func send(_ data: Data) async throws {
        var line = [UInt8](data)
        line.append(0x0A)
        var written = 0
        while written < line.count {
            let result = line[written...].withUnsafeBytes { write(self.output, $0.baseAddress, $0.count) }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else {
                throw MCPError.internalError("cannot write to stdout: \(String(cString: strerror(errno)))")
            }
            written += result
        }
    }

    func receive() -> AsyncThrowingStream<Data, any Error> { self.messages }
}
