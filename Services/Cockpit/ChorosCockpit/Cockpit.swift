package import ChorosCore
internal import ChorosPractitioner
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import HTTPTypes
internal import Hummingbird
package import Logging
internal import NIOConcurrencyHelpers
internal import NIOCore

/// The practitioner's cockpit (COCKPIT.md): a web page on loopback, served by an admin client
/// that runs as the practitioner. Every act goes through `PractitionerClient`, the same calls
/// `choros-admin` makes: `admin.sock` for authority, the gateway as the practitioner for mail
/// and closes, the read RPCs for the rest.
package struct Cockpit: Sendable {
    let practitioner: PractitionerClient
    let page: Page
    let sessions: CockpitSessions
    let logger: Logger
    /// The last verification of the audit log, shown on the overview (a verify reads the whole
    /// chain, so it runs on demand and at start, never per page).
    let verified = NIOLockedValueBox<String>("not verified yet")

    package init(configuration: ChorosConfiguration, loginToken: String, logger: Logger) throws {
        self.practitioner = try PractitionerClient(configuration: configuration)
        self.page = try Page()
        self.sessions = CockpitSessions(loginToken: loginToken)
        self.logger = logger
    }

    func router() -> Router<CockpitContext> {
        let router = Router(context: CockpitContext.self)
        router.add(middleware: CockpitGuard(sessions: self.sessions))
        router.get("login") { request, _ in self.logIn(request) }
        router.get("static/cockpit.css") { _, _ in Self.asset(Assets.css, type: "text/css; charset=utf-8") }
        router.get("static/cockpit.js") { _, _ in Self.asset(Assets.js, type: "text/javascript; charset=utf-8") }
        // Every page lives under the session's own path (the guard checks it is the cookie's).
        let pages = router.group("c/:session")
        self.addOverview(to: pages)
        self.addProposals(to: pages)
        self.addInbox(to: pages)
        self.addClaims(to: pages)
        self.addConnectors(to: pages)
        self.addAudit(to: pages)
        return router
    }

    /// The one-time login URL: the token becomes the session cookie, the URL is spent.
    func logIn(_ request: Request) -> Response {
        guard let token = self.query(request)["token"], let session = self.sessions.logIn(token: token)
        else {
            return Page.refusal(.forbidden, "This login URL is spent or wrong: start the cockpit again for a new one.")
        }
        var response = Response(status: .seeOther, headers: [.location: session.base + "/"])
        response.headers[.setCookie] =
            "\(CockpitSessions.cookie)=\(session.id); Path=\(session.base); HttpOnly; SameSite=Strict; Max-Age=43200"
        return response
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "max-age=300"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    /// Runs a page's work; a refusal from a daemon, or the practitioner client's own, becomes
    /// a page that says what went wrong, with the status it deserves.
    func attempt(section: String, back: String? = nil, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as RPCError {
            let status: HTTPResponse.Status =
                switch error.code {
                case .notFound: .notFound
                case .permissionDenied, .unauthenticated: .forbidden
                case .invalidArgument: .badRequest
                case .unavailable, .deadlineExceeded: .serviceUnavailable
                default: .conflict
                }
            return self.page.notice("Refused", error.message, tone: "bad", back: back, section: section, status: status)
        } catch let error as PractitionerError {
            return self.page.notice(
                "Refused",
                error.message,
                tone: "bad",
                back: back,
                section: section,
                status: .conflict
            )
        } catch {
            self.logger.error("cockpit page failed", metadata: ["error": "\(error)"])
            return self.page.notice(
                "Something failed",
                "\(error)",
                tone: "bad",
                back: back,
                section: section,
                status: .internalServerError
            )
        }
    }

    func csrf(_ context: CockpitContext) -> String { context.session?.csrf ?? "" }

    /// A request's query (empty when unreadable or a name repeats).
    func query(_ request: Request) -> URLEncodedForm {
        URLEncodedForm(query: request.uri.description) ?? URLEncodedForm("")!
    }
}
