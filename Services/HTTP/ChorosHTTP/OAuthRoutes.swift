internal import ChorosAuth
internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import NIOCore

/// The OAuth door's public face (HTTP.md), served when `http_public_url` is set: the discovery
/// documents (RFC 9728, RFC 8414) and dynamic client registration (RFC 7591).
struct OAuthRoutes: Sendable {
    /// `http_public_url` without a trailing slash.
    let issuer: String
    let auth: AuthDatabase
    let maximumClients: Int
    let limiter: RateLimiter
    let audit: DoorAudit
    /// The auth routes' body bound (HTTP.md, "Hardening").
    static let maximumBody = 64 << 10

    /// Registrations the door keeps (RFC 7591 lets anyone register; the cap bounds the table).
    static let maximumClients = 256
    /// A client registers once; more than this per minute from one address is a flood.
    static let registrationsPerMinute = 10

    func add(to router: Router<DoorContext>) {
        router.get(".well-known/oauth-protected-resource/mcp") { _, _ in self.protectedResource() }
        router.get(".well-known/oauth-protected-resource") { _, _ in self.protectedResource() }
        router.get(".well-known/oauth-authorization-server") { _, _ in self.authorizationServer() }
        router.post("register") { request, context in try await self.register(request, context: context) }
    }

    var resourceMetadataURL: String { self.issuer + "/.well-known/oauth-protected-resource/mcp" }

    func protectedResource() -> Response {
        Self.json([
            "resource": self.issuer + "/mcp",
            "authorization_servers": [self.issuer],
            "bearer_methods_supported": ["header"],
        ])
    }

    func authorizationServer() -> Response {
        Self.json([
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "registration_endpoint": self.issuer + "/register",
            "revocation_endpoint": self.issuer + "/revoke",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "revocation_endpoint_auth_methods_supported": ["none"],
            "authorization_response_iss_parameter_supported": true,
        ])
    }

    func register(_ request: Request, context: DoorContext) async throws -> Response {
        guard self.limiter.admit(Self.peer(context)) else { return Self.tooMany() }
        let body = try await request.body.collect(upTo: Self.maximumBody)
        guard let metadata = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        else { return Self.error("invalid_client_metadata", "the body must be a JSON object") }
        guard let uris = metadata["redirect_uris"] as? [String], !uris.isEmpty, uris.count <= 8 else {
            return Self.error("invalid_redirect_uri", "redirect_uris must list 1 to 8 URIs")
        }
        if let bad = uris.first(where: { !Self.isAcceptableRedirect($0) }) {
            return Self.error(
                "invalid_redirect_uri",
                "\(bad.prefix(200)) is not https (or http on loopback), or carries a fragment"
            )
        }
        if let method = metadata["token_endpoint_auth_method"] as? String, method != "none" {
            return Self.error("invalid_client_metadata", "token_endpoint_auth_method must be none (PKCE, no secret)")
        }
        // Shown on the approval page: printable and short.
        let given = ((metadata["client_name"] as? String) ?? "").unicodeScalars
            .filter { !CharacterSet.controlCharacters.contains($0) }
        let name = given.isEmpty ? "unnamed client" : String(String.UnicodeScalarView(given.prefix(100)))
        guard let client = try self.auth.registerClient(name: name, redirectURIs: uris, cap: self.maximumClients)
        else {
            return Self.error(
                "invalid_client_metadata",
                "\(self.maximumClients) clients are registered, the most this door takes: "
                    + "remove some with choros-admin connector revoke"
            )
        }
        await self.audit.record("connector.register", clientID: client.id, reason: name)
        var response = Self.json([
            "client_id": client.id,
            "client_id_issued_at": client.createdAt / 1000,
            "client_name": client.name,
            "redirect_uris": client.redirectURIs,
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        ])
        response.status = .created
        return response
    }

    /// https anywhere, http only to a loopback host (native apps, RFC 8252); never a fragment.
    static func isAcceptableRedirect(_ text: String) -> Bool {
        guard text.count <= 2048, let url = URL(string: text), url.fragment == nil, let host = url.host,
            !host.isEmpty
        else { return false }
        switch url.scheme?.lowercased() {
        case "https": return true
        case "http": return ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased())
        default: return false
        }
    }

    static func peer(_ context: DoorContext) -> String {
        context.remoteAddress?.ipAddress ?? "unknown"
    }

    static func tooMany() -> Response {
        Self.json(
            ["error": "slow_down", "error_description": "too many requests from this address"],
            status: .tooManyRequests
        )
    }

    static func error(_ code: String, _ description: String, status: HTTPResponse.Status = .badRequest) -> Response {
        Self.json(["error": code, "error_description": description], status: status)
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
