internal import ChorosCore
internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import NIOCore

/// The request context: the session the cookie named and the form the request posted.
struct CockpitContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var session: CockpitSessions.Session?
    /// The posted form (empty when the body is not one, or repeats a name).
    var form = URLEncodedForm("")!

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.session = nil
    }
}

/// On every request: a Host that is not loopback is refused (against DNS rebinding); every
/// page but the login needs the session cookie; every POST needs its session's CSRF token;
/// every answer carries a strict CSP (scripts and styles from this origin only, no framing, and
/// no image fetched from anywhere: an entry's `![](/some/route)` must not make a request).
struct CockpitGuard: RouterMiddleware {
    typealias Context = CockpitContext
    let sessions: CockpitSessions
    /// Form bodies are small; anything past this is refused.
    static let maximumBody = 256 << 10

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await self.admit(request, context: context, next: next)
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    private func admit(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard Self.isLoopback(authority: request.head.authority) else {
            return Page.refusal(
                .init(code: 421, reasonPhrase: "Misdirected Request"),
                "The cockpit answers on loopback only."
            )
        }
        let path = request.uri.path
        if path == "/login" || path.hasPrefix("/static/") { return try await next(request, context) }
        guard let id = Self.cookie(request.headers[.cookie]), let session = self.sessions.session(cookie: id),
            path == session.base || path.hasPrefix(session.base + "/")
        else {
            return Page.refusal(
                .unauthorized,
                "Log in through the URL choros-cockpit printed (choros-admin cockpit starts a new one)."
            )
        }
        var context = context
        context.session = session
        return try await Page.$base.withValue(session.base) {
            try await self.admitted(request, context: context, session: session, next: next)
        }
    }

    private func admitted(
        _ request: Request,
        context: Context,
        session: CockpitSessions.Session,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        guard request.method == .post else { return try await next(request, context) }
        var request = request
        let body = try await request.body.collect(upTo: Self.maximumBody)
        request.body = RequestBody(buffer: body)
        context.form = URLEncodedForm(Substring(String(buffer: body))) ?? URLEncodedForm("")!
        guard let token = context.form["csrf"], CockpitSessions.same(token, session.csrf) else {
            return Page.refusal(.forbidden, "This form carries no valid CSRF token: reload the page and try again.")
        }
        return try await next(request, context)
    }

    static func isLoopback(authority: String?) -> Bool {
        guard let authority = authority?.lowercased() else { return false }
        let host: Substring
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[authority.index(after: authority.startIndex)..<close]
        } else {
            host = authority.split(separator: ":", maxSplits: 1).first ?? ""
        }
        return host == "127.0.0.1" || host == "localhost" || host == "::1"
    }

    static func cookie(_ header: String?) -> String? {
        for part in (header ?? "").split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == CockpitSessions.cookie { return String(pair[1]) }
        }
        return nil
    }
}
