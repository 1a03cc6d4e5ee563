import ChorosAuth
import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Issue 17's figures: calls through `choros-http`'s `/mcp` beside the same calls on
/// `gateway.sock`, one session and sixteen at once, and the door's memory with 100 idle
/// sessions.
struct HTTPBenchmark {
    let directory: String
    let duration: Duration

    func measure() async throws -> [BenchmarkResult] {
        let port = try Self.freePort()
        let deployment = try await Deployment.start(
            in: self.directory + "/http",
            daemons: ["store", "audit", "index", "airlock", "gateway", "http"],
            configuration: "http_enabled = true\nhttp_listen = \"127.0.0.1:\(port)\"\nmax_connections_per_uid = 1000\n"
                + "http_max_sessions = 1000\n"
        )
        do {
            let results = try await self.run(deployment, port: port)
            await deployment.stop()
            return results
        } catch {
            await deployment.stop()
            throw error
        }
    }

    private func run(_ deployment: Deployment, port: Int) async throws -> [BenchmarkResult] {
        let connections = try await deployment.seed(entriesPerInstance: 1000)
        // Seeded behind the index's back: indexed now, or the first write of each ref would
        // measure its catch-up.
        _ = try await deployment.client("index").call(
            IndexRPC.reindex,
            .init(),
            options: CallOptions(timeout: .seconds(900))
        )
        let data = deployment.directory + "/data"
        let auth = try AuthDatabase(path: data + "/auth.sqlite")
        var tokens: [String] = []
        for (index, connection) in connections.enumerated() {
            try FileManager.default.createDirectory(atPath: data + "/keys/instances", withIntermediateDirectories: true)
            try connection.key.save(to: data + "/keys/instances/\(GatewayBenchmark.instances[index]).key")
            tokens.append(try auth.issueStaticToken(instance: GatewayBenchmark.instances[index]))
        }
        let sessions = try (0..<16).map { try HTTPSession(port: port, token: tokens[$0 % tokens.count]) }
        let read: @Sendable (Int) -> [String: JSONValue] = { index in
            ["ref": "bench0", "path": .string(Deployment.seedPath(index * 7919 % 1000))]
        }
        let write: @Sendable (String) -> [String: JSONValue] = { key in
            ["domain": "bench", "slug": .string(key), "body": "A benchmark entry.", "op_id": .string(key)]
        }
        var results: [BenchmarkResult] = []
        results.append(try await sessions[0].measure("kip_get, /mcp", tool: "kip_get", duration: self.duration, read))
        results.append(
            try await MCPBenchmark.measure("kip_get, gateway", duration: self.duration) {
                _ = try await connections[0].callTool("kip_get", arguments: read($0))
            }
        )
        results.append(
            try await sessions[0].measure("kip_commit, 1 session, /mcp", tool: "kip_commit", duration: self.duration) {
                write("h1-\($0)-\(UUID().uuidString.prefix(8))")
            }
        )
        results.append(
            try await MCPBenchmark.measure("kip_commit, 1 connection, gateway", duration: self.duration) {
                _ = try await connections[0].callTool(
                    "kip_commit",
                    arguments: write("g1-\($0)-\(UUID().uuidString.prefix(8))")
                )
            }
        )
        results.append(
            try await HTTPSession.measureTogether(sessions, "kip_commit, 16 sessions, /mcp", duration: self.duration) {
                write("h16-\($0)-\($1)-\(UUID().uuidString.prefix(8))")
            }
        )
        let callers = (0..<16).map { connections[$0 % connections.count] }
        results.append(
            try await MCPBenchmark.together(callers, "kip_commit, 16 callers, gateway", duration: self.duration) {
                connection,
                caller,
                count in
                _ = try await connection.callTool(
                    "kip_commit",
                    arguments: write("g16-\(caller)-\(count)-\(UUID().uuidString.prefix(8))")
                )
            }
        )
        for session in sessions { session.close() }
        let idle = try (0..<100).map { try HTTPSession(port: port, token: tokens[$0 % tokens.count]) }
        for session in idle { try session.call("whoami", [:]) }
        try await Task.sleep(for: .seconds(2))
        let pid = deployment.processes["http"]?.pid ?? 0
        print(
            String(
                format: "RSS of choros-http with 100 idle sessions: %.1f MiB",
                Double(MCPBenchmark.residentKiB(pid: pid)) / 1024
            )
        )
        for session in idle { session.close() }
        for connection in connections { await connection.close() }
        return results
    }

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw BenchmarkFailure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// One MCP session over HTTP/1.1 keep-alive, as a remote client holds it: a blocking socket,
/// one request at a time, on a thread of its own.
final class HTTPSession: BlockingSession, @unchecked Sendable {
    private let descriptor: Int32
    private let token: String
    private var session = ""
    private var nextID = 1

    init(port: Int, token: String) throws {
        self.token = token
        self.descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var one: Int32 = 1
        setsockopt(self.descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(self.descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw BenchmarkFailure("cannot connect to 127.0.0.1:\(port)") }
        let (headers, _) = try self.post(
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"choros-bench","version":"1"}}}"#
        )
        guard let id = headers["mcp-session-id"] else { throw BenchmarkFailure("initialize gave no session") }
        self.session = id
        _ = try self.post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
    }

    func close() { Glibc.close(self.descriptor) }

    func call(_ tool: String, _ arguments: [String: JSONValue]) throws {
        let id = self.nextID
        self.nextID += 1
        let params = JSONValue.object(["name": .string(tool), "arguments": .object(arguments)])
        let body = String(decoding: CanonicalJSON.encode(params), as: UTF8.self)
        let (_, answer) = try self.post(
            #"{"jsonrpc":"2.0","id":"# + "\(id)" + #","method":"tools/call","params":"# + body + "}"
        )
        if answer.contains(#""isError":true"#) {
            throw BenchmarkFailure("\(tool) failed through /mcp: \(answer.prefix(300))")
        }
    }

    /// One POST /mcp and its answer: lowercased headers and the body.
    private func post(_ body: String) throws -> ([String: String], String) {
        var request = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(self.token)\r\n"
        request += "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
        if !self.session.isEmpty {
            request += "Mcp-Session-Id: \(self.session)\r\nMCP-Protocol-Version: 2025-06-18\r\n"
        }
        request += "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        let bytes = Array(request.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(self.descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw BenchmarkFailure("write to /mcp failed") }
            written += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let end = Self.headerEnd(received) {
                let head = String(decoding: received[..<end], as: UTF8.self)
                var headers: [String: String] = [:]
                for line in head.split(separator: "\r\n").dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                        in: .whitespaces
                    )
                }
                let length = Int(headers["content-length"] ?? "0") ?? 0
                if received.count - end - 4 >= length {
                    return (headers, String(decoding: received[(end + 4)..<(end + 4 + length)], as: UTF8.self))
                }
            }
            let count = buffer.withUnsafeMutableBytes { read(self.descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw BenchmarkFailure("/mcp closed the connection") }
            received += buffer[..<count]
        }
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}
