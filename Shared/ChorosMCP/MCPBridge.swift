package import ChorosCore
internal import ChorosProto
internal import Foundation
package import Logging
internal import MCP

/// `choros-mcp`'s logic: the gateway's tools as an MCP server over stdio. Nothing but
/// protocol is written to stdout; logs go to stderr.
package struct MCPBridge: Sendable {
    let tools: GatewayToolServer
    let logger: Logger

    package init(socketPath: String, key: SigningKey, logger: Logger) {
        let connection = GatewayConnection(
            socketPath: socketPath,
            key: key,
            clientVersion: "choros-mcp/\(ChorosVersion.current)"
        )
        self.tools = GatewayToolServer(connection: connection)
        self.logger = logger
    }

    /// Binds, serves stdio until stdin closes or the parent process `parent` (captured at
    /// start) dies, then returns.
    package func run(parent: Int32) async throws {
        let bound = try await self.tools.connection.bind()
        self.logger.info("bound", metadata: ["instance": "\(bound.name)"])
        _ = try await self.tools.connection.tools()
        let server = await self.tools.makeServer()
        // The transport is made first and handed to the interceptor after: tools/call lines
        // are answered here (`ToolCallLine`), everything else by the SDK's server.
        let outbox = Outbox()
        let transport = LineTransport(logger: self.logger) { line in
            guard let call = ToolCallLine(line) else { return false }
            Task { await outbox.send(await self.tools.answer(call).answer) }
            return true
        }
        await outbox.attach(transport)
        try await server.start(transport: transport)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await server.waitUntilCompleted() }
            group.addTask {
                // An orphaned bridge would hold its key open for nobody: leave with the parent.
                // Exit outright: the transport's reader is blocked in read(2) on a still-open
                // stdin, which would keep a graceful stop waiting, and nothing needs flushing.
                while !Task.isCancelled, getppid() == parent {
                    try? await Task.sleep(for: .seconds(1))
                }
                if !Task.isCancelled { exit(0) }
            }
            await group.next()
            group.cancelAll()
        }
        await server.stop()
        await self.tools.connection.close()
    }
}

/// Where intercepted answers go: the transport, once it exists.
private actor Outbox {
    private var transport: LineTransport?

    func attach(_ transport: LineTransport) { self.transport = transport }

    func send(_ data: Data) async {
        try? await self.transport?.send(data)
    }
}
