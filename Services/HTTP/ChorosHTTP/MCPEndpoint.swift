internal import ChorosAuth
internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import Logging
internal import NIOCore

/// `/mcp`: MCP Streamable HTTP (protocol 2025-03-26 and later). Every request carries a
/// bearer token; the session named by `Mcp-Session-Id` must be one that token opened.
struct MCPEndpoint: Sendable {
    /// The gateway's frame bound on a whole request (HTTP.md, "Hardening").
    static let maximumBody = 1 << 20
    /// Versions a client may name in `MCP-Protocol-Version`: the SDK's and the Python SDK 2.x's.
    static let protocolVersions: Set<String> = ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"]

    let auth: AuthDatabase
    let sessions: SessionTable
    let logger: Logger
    /// Where a client learns how to get a token (RFC 9728); nil in loopback mode.
    var resourceMetadata: String? = nil

    func post(_ request: Request) async throws -> Response {
        guard let token = try self.token(request) else { return self.unauthorized() }
        if let version = request.headers[.mcpProtocolVersion], !Self.protocolVersions.contains(version) {
            return Self.failure(.badRequest, "unsupported MCP-Protocol-Version '\(version.prefix(40))'")
        }
        let body = Data(try await request.body.collect(upTo: Self.maximumBody).readableBytesView)
        guard let message = RPCMessage(body) else {
            return Self.failure(.badRequest, "the body must be one JSON-RPC 2.0 message", code: -32700)
        }
        let session: MCPSession
        if message.isInitialize, request.headers[.mcpSessionID] == nil {
            do {
                session = try await self.sessions.open(instance: token.instance, tokenHash: token.hash)
            } catch {
                self.logger.error(
                    "cannot open a session",
                    metadata: ["instance": "\(token.instance)", "error": "\(error)"]
                )
                return Self.failure(.serviceUnavailable, "cannot open a session for \(token.instance): \(error)")
            }
        } else {
            guard let id = request.headers[.mcpSessionID] else {
                return Self.failure(.badRequest, "Mcp-Session-Id is required after initialize")
            }
            guard let found = try await self.sessions.session(id: id, tokenHash: token.hash) else {
                return Self.failure(.notFound, "no such session: initialize a new one")
            }
            session = found
        }
        guard let answer = await session.handle(body, message: message) else {
            return Response(status: .accepted, headers: [.mcpSessionID: session.id])
        }
        return Self.json(answer, session: session.id)
    }

    func delete(_ request: Request) async throws -> Response {
        guard let token = try self.token(request) else { return self.unauthorized() }
        guard let id = request.headers[.mcpSessionID] else {
            return Self.failure(.badRequest, "Mcp-Session-Id names the session to end")
        }
        guard try await self.sessions.close(id: id, tokenHash: token.hash) else {
            return Self.failure(.notFound, "no such session")
        }
        return Response(status: .ok)
    }

    /// No server-initiated messages here: a GET stream is declined, as the transport allows.
    func get(_ request: Request) async throws -> Response {
        guard try self.token(request) != nil else { return self.unauthorized() }
        return Response(status: .methodNotAllowed, headers: [.allow: "POST, DELETE"])
    }

    private func token(_ request: Request) throws -> (instance: String, hash: Data)? {
        guard let header = request.headers[.authorization], header.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else { return nil }
        return try self.auth.instance(presenting: String(header.dropFirst(7))).map { ($0.instance, $0.hash) }
    }

    func unauthorized() -> Response {
        var response = Self.failure(.unauthorized, "a valid bearer token is required")
        response.headers[.wwwAuthenticate] =
            self.resourceMetadata.map { "Bearer resource_metadata=\"\($0)\"" } ?? "Bearer"
        return response
    }

    static func failure(_ status: HTTPResponse.Status, _ message: String, code: Int = -32600) -> Response {
        Self.json(RPCMessage.error(id: nil, code: code, message: message), status: status)
    }

    static func json(_ data: Data, status: HTTPResponse.Status = .ok, session: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let session { headers[.mcpSessionID] = session }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension HTTPField.Name {
    static let mcpSessionID = Self("Mcp-Session-Id")!
    static let mcpProtocolVersion = Self("MCP-Protocol-Version")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
