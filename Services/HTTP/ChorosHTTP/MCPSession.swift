internal import ChorosCore
internal import ChorosMCP
internal import CoreMetrics
internal import Foundation
internal import Logging
internal import MCP
internal import NIOConcurrencyHelpers

/// One MCP session: one gateway connection bound to one instance, and the SDK server that
/// answers the protocol around the tool calls. Tool calls are answered here without the SDK
/// (`ToolCallLine`), as `choros-mcp` does on stdio.
final class MCPSession: Sendable {
    let id: String
    let instance: String
    let tokenHash: Data
    private let tools: GatewayToolServer
    private let server: Server
    private let transport: SessionTransport
    private let lastUsed: NIOLockedValueBox<ContinuousClock.Instant>

    private init(
        id: String,
        instance: String,
        tokenHash: Data,
        tools: GatewayToolServer,
        server: Server,
        logger: Logger
    ) {
        self.id = id
        self.instance = instance
        self.tokenHash = tokenHash
        self.tools = tools
        self.server = server
        self.transport = SessionTransport(logger: logger)
        self.lastUsed = NIOLockedValueBox(.now)
    }

    static func start(
        id: String,
        instance: String,
        tokenHash: Data,
        key: SigningKey,
        gatewaySocket: String,
        logger: Logger
    ) async throws -> MCPSession {
        let connection = GatewayConnection(
            socketPath: gatewaySocket,
            key: key,
            clientVersion: "choros-http/\(ChorosVersion.current)"
        )
        let tools = GatewayToolServer(connection: connection)
        let session = MCPSession(
            id: id,
            instance: instance,
            tokenHash: tokenHash,
            tools: tools,
            server: await tools.makeServer(),
            logger: logger
        )
        try await session.server.start(transport: session.transport)
        return session
    }

    var idleSince: ContinuousClock.Instant { self.lastUsed.withLockedValue { $0 } }

    /// The answer to one POSTed message: a JSON body, or nil for a notification (202).
    func handle(_ body: Data, message: RPCMessage) async -> Data? {
        self.lastUsed.withLockedValue { $0 = .now }
        switch message.kind {
        case .request(let id, "tools/call"):
            guard let call = ToolCallLine(body) else { return await self.exchange(body, id: id) }
            let started = ContinuousClock.now
            let (answer, refusedBy) = await self.tools.answer(call)
            ToolMetrics.record(tool: call.name, known: self.tools.connection.knows(call.name), since: started)
            if let refusedBy { ToolMetrics.refused(by: refusedBy) }
            return answer
        case .request(let id, _):
            return await self.exchange(body, id: id)
        case .notification, .response:
            await self.transport.deliver(body)
            return nil
        }
    }

    private func exchange(_ body: Data, id: String) async -> Data {
        await self.transport.exchange(body, id: id)
            ?? RPCMessage.error(id: id, code: -32600, message: "request id \(id) is already in flight in this session")
    }

    func close() async {
        await self.server.stop()
        await self.tools.connection.close()
    }
}

/// Tool calls through the door, by tool (a name not in the catalog is counted as `unknown`,
/// so a client cannot grow the label set), and refusals by gate.
enum ToolMetrics {
    static func record(tool: String, known: Bool, since started: ContinuousClock.Instant) {
        let label = known ? tool : "unknown"
        Counter(label: "choros_http_tool_calls_total", dimensions: [("tool", label)]).increment()
        Timer(label: "choros_http_tool_seconds", dimensions: [("tool", label)])
            .recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
    }

    /// Gates are the gateway's names, but some carry a field name a client chose: past 64
    /// distinct ones, the rest are counted as `other`.
    static func refused(by gate: String) {
        let label = Self.gates.withLockedValue { seen in
            if seen.contains(gate) || seen.count < 64 {
                seen.insert(gate)
                return gate
            }
            return "other"
        }
        Counter(label: "choros_http_refusals_total", dimensions: [("gate", label)]).increment()
    }

    private static let gates = NIOLockedValueBox<Set<String>>([])
}
