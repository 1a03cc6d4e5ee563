internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// One tool: its catalog entry and the handler both its typed RPC and `CallTool` dispatch
/// to. The catalog, the typed RPCs and the generic path come from this one definition.
struct GatewayTool: Sendable {
    let definition: Choros_V1_ToolDefinition
    /// `CallTool`: JSON arguments (a read) or a signed op (a write) in, JSON out.
    let callJSON: @Sendable (Gateway, Choros_V1_CallToolRequest, RPCContext) async throws -> String
    /// Registers the typed RPC `/choros.v1.Gateway/<rpc>`.
    let register: @Sendable (Gateway, inout RPCRouter) -> Void

    static let servicePath = "/choros.v1.Gateway/"

    static let jsonOut: JSONEncodingOptions = {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        options.alwaysPrintInt64sAsNumbers = true
        options.useDeterministicOrdering = true
        return options
    }()

    /// A tool that only reads: its typed request is its arguments.
    static func read<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ name: String,
        rpc: String,
        _ summary: String,
        _ parameters: [ToolParameter] = [],
        _ handler: @escaping @Sendable (Gateway, Request, Caller) async throws -> Response
    ) -> GatewayTool {
        GatewayTool(
            definition: .with {
                $0.name = name
                $0.description_p = summary
                $0.inputSchemaJson = String(
                    decoding: CanonicalJSON.encode(ToolParameter.schema(parameters)),
                    as: UTF8.self
                )
            },
            callJSON: { gateway, call, context in
                try await gateway.serve(tool: name, context: context) { caller in
                    let request: Request
                    do {
                        request = try Request(
                            jsonString: call.argumentsJson.isEmpty ? "{}" : call.argumentsJson,
                            options: .init()
                        )
                    } catch {
                        throw Refusal.input("arguments of \(name) do not match its schema: \(error)")
                    }
                    return try await handler(gateway, request, caller).jsonString(options: Self.jsonOut)
                }
            },
            register: { gateway, router in
                router.register(RPCMethod<Request, Response>(Self.servicePath + rpc, isIdempotent: true)) {
                    request,
                    context in
                    try await gateway.serve(tool: name, context: context) { caller in
                        try await handler(gateway, request, caller)
                    }
                }
            }
        )
    }

    /// A write's verification, decoding and handler, run in one of the caller's write slots.
    private static func runWrite<Arguments: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ gateway: Gateway,
        _ op: Choros_V1_SignedOp,
        _ code: String,
        _ caller: Caller,
        name: String,
        opType: OperationType,
        _ handler: @escaping @Sendable (Gateway, Arguments, WriteCall) async throws -> Response
    ) async throws -> Response {
        let call = try await gateway.verifyWrite(op, type: opType, tool: name, code: code, caller: caller)
        let arguments: Arguments
        do {
            var options = JSONDecodingOptions()
            options.ignoreUnknownFields = true
            arguments = try Arguments(jsonUTF8Bytes: call.operation.canonicalBody, options: options)
        } catch {
            throw Refusal.input("the body of \(name)'s op does not decode: \(error)")
        }
        return try await handler(gateway, arguments, call)
    }

    /// A write whose handler reads the verified body itself: claim ops carry JSON objects,
    /// which no proto field holds without turning their integers into doubles.
    static func write<Response: SwiftProtobuf.Message>(
        _ name: String,
        rpc: String,
        _ opType: OperationType,
        _ summary: String,
        _ parameters: [ToolParameter],
        _ handler: @escaping @Sendable (Gateway, WriteCall) async throws -> Response
    ) -> GatewayTool {
        .write(name, rpc: rpc, opType, summary, parameters) { (gateway, _: Google_Protobuf_Empty, call) in
            try await handler(gateway, call)
        }
    }

    /// A tool that writes: its arguments are the body of a signed op of `opType`.
    static func write<Arguments: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ name: String,
        rpc: String,
        _ opType: OperationType,
        _ summary: String,
        _ parameters: [ToolParameter],
        bodyFields: [String: String] = ["op_id": "key"],
        sideArguments: [String] = [],
        _ handler: @escaping @Sendable (Gateway, Arguments, WriteCall) async throws -> Response
    ) -> GatewayTool {
        let run: @Sendable (Gateway, Choros_V1_SignedOp, String, RPCContext) async throws -> Response = {
            gateway,
            op,
            code,
            context in
            try await gateway.serve(tool: name, context: context) { caller in
                try await gateway.quota.write(caller.record.name.folded) {
                    try await Self.runWrite(gateway, op, code, caller, name: name, opType: opType, handler)
                }
            }
        }
        return GatewayTool(
            definition: .with {
                $0.name = name
                $0.description_p = summary
                $0.inputSchemaJson = String(
                    decoding: CanonicalJSON.encode(ToolParameter.schema(parameters)),
                    as: UTF8.self
                )
                $0.opType = opType.rawValue
                $0.bodyFields = bodyFields
                $0.sideArguments = sideArguments
            },
            callJSON: { gateway, call, context in
                guard call.hasOp else {
                    throw Refusal.input(
                        "\(name) writes: send its arguments as the body of a signed \(opType) op"
                    )
                }
                return try await run(gateway, call.op, call.code, context).jsonString(options: Self.jsonOut)
            },
            register: { gateway, router in
                router.register(
                    RPCMethod<Choros_V1_WriteRequest, Response>(Self.servicePath + rpc, isIdempotent: true)
                ) { request, context in
                    try await run(gateway, request.op, request.code, context)
                }
            }
        )
    }
}
