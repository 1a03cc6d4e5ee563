internal import Foundation
internal import HTTPTypes
internal import Hummingbird

/// On every route (HTTP.md, "Hardening"): a Host outside the allowlist is misdirected (421,
/// against DNS rebinding), a browser Origin outside it is refused (403), and every answer
/// carries the security headers.
struct DoorGuard<Context: RequestContext>: RouterMiddleware {
    /// Lowercased host names (no port) a request may name.
    let hosts: Set<String>
    /// Under TLS, answers also pin browsers to HTTPS (HSTS).
    var tls = false

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        var response: Response
        if !self.allows(authority: request.head.authority) {
            response = MCPEndpoint.failure(.init(code: 421, reasonPhrase: "Misdirected Request"), "unknown Host")
        } else if let origin = request.headers[.origin], !self.allows(origin: origin) {
            response = MCPEndpoint.failure(.forbidden, "Origin \(origin.prefix(80)) may not call this server")
        } else {
            response = try await next(request, context)
        }
        // A page may carry a stricter policy of its own (the approval page's hashes).
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = "default-src 'none'; form-action 'self'; frame-ancestors 'none'"
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        // The approval page says same-origin: under no-referrer a browser posts its form with
        // `Origin: null`, which the Origin check above would refuse.
        if response.headers[.referrerPolicy] == nil { response.headers[.referrerPolicy] = "no-referrer" }
        if self.tls { response.headers[.strictTransportSecurity] = "max-age=31536000" }
        return response
    }

    func allows(authority: String?) -> Bool {
        guard let authority else { return false }
        return self.hosts.contains(Self.host(of: authority))
    }

    /// `scheme://host[:port]`: allowed when its host is.
    func allows(origin: String) -> Bool {
        guard let range = origin.range(of: "://") else { return false }
        return self.hosts.contains(Self.host(of: String(origin[range.upperBound...])))
    }

    /// The host of `host[:port]` or `[v6]:port`, lowercased.
    static func host(of authority: String) -> String {
        let text = authority.lowercased()
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return String(text[text.index(after: text.startIndex)..<close])
        }
        if let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon { return String(text[..<colon]) }
        return text
    }
}
