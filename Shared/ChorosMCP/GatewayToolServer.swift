package import ChorosCore
internal import ChorosProto
internal import ChorosWire
package import Foundation
package import MCP

/// The gateway's catalog as an MCP server, whatever carries it: stdio (`choros-mcp`) or one
/// HTTP session (`choros-http`). Every call goes through one bound `GatewayConnection`,
/// which signs each write with the instance's key and binds again after a gateway restart.
package struct GatewayToolServer: Sendable {
    package let connection: GatewayConnection

    package init(connection: GatewayConnection) {
        self.connection = connection
    }

    /// An SDK server answering initialize, ping and tools/list; `tools/call` is answered by
    /// `answer(_:)` before the SDK sees it, and by `call` when a line is not read cleanly.
    package func makeServer() async -> Server {
        let server = Server(
            name: "choros",
            version: ChorosVersion.current,
            instructions: "Choros: a shared, git-backed body of knowledge. Start with announce and orientation.",
            capabilities: .init(tools: .init(listChanged: false))
        )
        await server.withMethodHandler(ListTools.self) { _ in
            .init(tools: try await self.connection.tools().map(Self.mcpTool))
        }
        await server.withMethodHandler(CallTool.self) { parameters in
            await self.call(parameters.name, parameters.arguments ?? [:])
        }
        return server
    }

    /// A `tools/call` read off the wire: the same answer `call` gives, encoded directly, and
    /// the gate that refused it, if one did.
    package func answer(_ call: ToolCallLine) async -> (answer: Data, refusedBy: String?) {
        do {
            let json = try await self.connection.callTool(call.name, arguments: call.arguments)
            return (call.answer(resultJSON: json), nil)
        } catch let error as RPCError {
            let gate = error.details["gate"]
            return (call.answer(refusal: error.message, code: error.code.name, gate: gate), gate ?? error.code.name)
        } catch {
            let gate = Refusal.Gate.input.name
            return (call.answer(refusal: "\(error)", code: "INVALID_ARGUMENT", gate: gate), gate)
        }
    }

    /// One tool call: the result as one JSON object in a text block plus structured content;
    /// a refusal as an `isError` result whose text names the gate.
    func call(_ name: String, _ arguments: [String: Value]) async -> CallTool.Result {
        do {
            let json = try await self.connection.callTool(name, arguments: try Self.jsonArguments(arguments))
            return .init(
                content: [.text(text: json, annotations: nil, _meta: nil)],
                structuredContent: Self.value(fromJSON: json),
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
