package import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
package import Logging
internal import MCP

/// `choros-mcp`'s logic: an MCP server over stdio whose tools are the gateway's catalog.
/// Every call goes to the gateway through one bound `GatewayConnection`, which signs each
/// write with the instance's key and binds again after a gateway restart. Nothing but
/// protocol is written to stdout; logs go to stderr.
package struct MCPBridge: Sendable {
    let connection: GatewayConnection
    let logger: Logger

    package init(socketPath: String, key: SigningKey, logger: Logger) {
        self.connection = GatewayConnection(
            socketPath: socketPath,
            key: key,
            clientVersion: "choros-mcp/\(ChorosVersion.current)"
        )
        self.logger = logger
    }

    /// Binds, serves stdio until stdin closes or the parent process `parent` (captured at
    /// start) dies, then returns.
    package func run(parent: Int32) async throws {
        let bound = try await self.connection.bind()
        self.logger.info("bound", metadata: ["instance": "\(bound.name)"])
        let catalog = try await self.connection.tools()
        let server = Server(
            name: "choros",
            version: ChorosVersion.current,
            instructions: "Choros: a shared, git-backed body of knowledge. Start with announce and orientation.",
            capabilities: .init(tools: .init(listChanged: false))
        )
        let tools = catalog.map(Self.mcpTool)
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: tools) }
        await server.withMethodHandler(CallTool.self) { parameters in
            await self.call(parameters.name, parameters.arguments ?? [:])
        }
        // The transport is made first and handed to the interceptor after: tools/call lines
        // are answered here (`ToolCallLine`), everything else by the SDK's server.
        let outbox = Outbox()
        let transport = LineTransport(logger: self.logger) { line in
            guard let call = ToolCallLine(line) else { return false }
            Task { await outbox.send(await self.answer(call)) }
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
        await self.connection.close()
    }

    /// A `tools/call` read off the line: the same answer `call` gives, encoded directly.
    func answer(_ call: ToolCallLine) async -> Data {
        do {
            return call.answer(resultJSON: try await self.connection.callTool(call.name, arguments: call.arguments))
        } catch let error as RPCError {
            return call.answer(refusal: error.message, code: error.code.name, gate: error.details["gate"])
        } catch {
            return call.answer(refusal: "\(error)", code: "INVALID_ARGUMENT", gate: Refusal.Gate.input.name)
        }
    }

    /// One tool call: the result as one JSON object in a text block plus structured content;
    /// a refusal as an `isError` result whose text names the gate.
    func call(_ name: String, _ arguments: [String: Value]) async -> CallTool.Result {
        do {
            let json = try await self.connection.callTool(name, arguments: try Self.jsonArguments(arguments))
            let structured = Self.value(fromJSON: json)
            return .init(
                content: [.text(text: json, annotations: nil, _meta: nil)],
                structuredContent: structured,
                isError: false
            )
        } catch let error as RPCError {
            return Self.refusal(error.message, code: error.code.name, gate: error.details["gate"])
        } catch {
            return Self.refusal("\(error)", code: "INVALID_ARGUMENT", gate: Refusal.Gate.input.name)
        }
    }

    private static func refusal(_ message: String, code: String, gate: String?) -> CallTool.Result {
        var object: [String: Value] = ["error": .string(message), "code": .string(code)]
        if let gate { object["gate"] = .string(gate) }
        return .init(
            content: [.text(text: message, annotations: nil, _meta: nil)],
            structuredContent: .object(object),
            isError: true
        )
    }

    /// The gateway's JSON as an MCP value, read with JSONSerialization: the SDK's decoding of
    /// `Value` tests every string against a data-URL pattern, which cost more than the call.
    static func value(fromJSON text: String) -> Value? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])).flatMap(Self.value)
    }

    private static func value(_ object: Any) -> Value? {
        switch object {
        case let string as String: return .string(string)
        case let number as NSNumber:
            switch String(cString: number.objCType) {
            case "c", "B": return .bool(number.boolValue)
            case "f", "d": return .double(number.doubleValue)
            default: return .int(number.intValue)
            }
        case let array as [Any]: return .array(array.compactMap(Self.value))
        case let members as [String: Any]: return .object(members.compactMapValues(Self.value))
        case is NSNull: return .null
        default: return nil
        }
    }

    /// MCP's arguments as the canonical-subset JSON a signed body may hold (no floats).
    static func jsonArguments(_ arguments: [String: Value]) throws -> [String: JSONValue] {
        let data = try JSONEncoder().encode(arguments)
        do {
            return try JSONParser.parse(Array(data)).objectValue ?? [:]
        } catch {
            throw RPCError(
                code: .invalidArgument,
                message: "input: arguments must be JSON without fractional numbers: \(error)"
            )
        }
    }

    static func mcpTool(_ definition: Choros_V1_ToolDefinition) -> Tool {
        let schema =
            (try? JSONDecoder().decode(Value.self, from: Data(definition.inputSchemaJson.utf8))) ?? .object([:])
        let isWrite = !definition.opType.isEmpty
        return Tool(
            name: definition.name,
            description: definition.description_p,
            inputSchema: schema,
            annotations: .init(
                readOnlyHint: !isWrite,
                destructiveHint: false,
                idempotentHint: true,
                openWorldHint: false
            )
        )
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
