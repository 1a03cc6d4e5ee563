internal import ChorosAuth
internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import Logging
internal import NIOCore
internal import SwiftProtobuf

/// The authorization code flow (OAuth 2.1, HTTP.md): `/authorize` opens a transaction and
/// sends the browser to `/approve`, where the practitioner's TOTP code (checked and spent by
/// the airlock) or a console approval makes a grant; `/token` trades the single-use code,
/// with its PKCE verifier, for an access token and a rotating refresh token; `/revoke`
/// ends either. Every registration, approval, refusal, issue and revocation is audited by
/// the airlock; codes and tokens never are, and never reach a log line.
struct OAuthFlow: Sendable {
    let issuer: String
    let auth: AuthDatabase
    let airlock: AirlockClient
    let audit: DoorAudit
    let limits: Limits
    /// Where the door's custodial keys are: the page says whether the instance exists.
    let keysDirectory: String

    /// Per-address limits on the auth routes (HTTP.md, "Hardening").
    struct Limits: Sendable {
        var authorize = RateLimiter(limit: 30, per: .seconds(60))
        var approve = RateLimiter(limit: 20, per: .seconds(60))
        var status = RateLimiter(limit: 120, per: .seconds(60))
        var token = RateLimiter(limit: 60, per: .seconds(60))
    }

    /// Wrong codes that burn a transaction: the fifth answers 429, and the transaction is gone.
    static let wrongCodes = 5

    func add(to router: Router<DoorContext>) {
        router.get("authorize") { request, context in try await self.authorize(request, context: context) }
        router.get("approve") { request, _ in try await self.approvalPage(request) }
        router.post("approve") { request, context in try await self.approve(request, context: context) }
        router.get("approve/status") { request, context in try self.status(request, context: context) }
        router.post("token") { request, context in try await self.token(request, context: context) }
        router.post("revoke") { request, context in try await self.revoke(request, context: context) }
    }

    // MARK: /authorize

    func authorize(_ request: Request, context: DoorContext) async throws -> Response {
        guard self.limits.authorize.admit(OAuthRoutes.peer(context)) else { return Self.tooManyPage() }
        guard let query = URLEncodedForm(query: request.uri.description) else {
            return ApprovalPage.message("Bad request", "a parameter appears more than once", status: .badRequest)
        }
        // Until the client and its redirect URI are known good, errors stay on this server
        // (RFC 6749, 4.1.2.1): never redirect to a URI nobody registered.
        guard let clientID = query["client_id"], let client = try self.auth.client(id: clientID) else {
            return ApprovalPage.message("Unknown client", "client_id names no registered client", status: .badRequest)
        }
        let redirect = query["redirect_uri"] ?? (client.redirectURIs.count == 1 ? client.redirectURIs[0] : "")
        guard client.redirectURIs.contains(redirect) else {
            return ApprovalPage.message(
                "Unknown redirect URI",
                "redirect_uri must be exactly one the client registered",
                status: .badRequest
            )
        }
        let state = query["state"]
        guard query["response_type"] == "code" else {
            return self.redirect(redirect, ["error": "unsupported_response_type"], state: state)
        }
        guard query["code_challenge_method"] == "S256", let challenge = query["code_challenge"],
            PKCE.isValidChallenge(challenge)
        else {
            return self.redirect(
                redirect,
                ["error": "invalid_request", "error_description": "PKCE with code_challenge_method=S256 is required"],
                state: state
            )
        }
        let instance = Self.instance(scope: query["scope"], clientName: client.name)
        let binding = BearerToken.generate(prefix: Self.bindingPrefix)
        guard
            let transaction = try self.auth.openTransaction(
                clientID: client.id,
                redirectURI: redirect,
                challenge: challenge,
                state: state,
                instance: instance,
                binding: binding.hash
            )
        else {
            return self.redirect(
                redirect,
                ["error": "temporarily_unavailable", "error_description": "too many approvals are pending"],
                state: state
            )
        }
        var cookie =
            "\(Self.cookie(transaction.id))=\(binding.text); Path=/approve; HttpOnly; SameSite=Lax; Max-Age=600"
        if self.issuer.hasPrefix("https://") { cookie += "; Secure" }
        return Response(
            status: .found,
            headers: [.location: "\(self.issuer)/approve?txn=\(transaction.id)", .setCookie: cookie]
        )
    }

    /// The secret a starting browser holds for its transaction: only it completes the flow,
    /// so a transaction id seen elsewhere (the console's list, a log) yields no code.
    static let bindingPrefix = "chx_"

    static func cookie(_ transaction: String) -> String {
        "choros_txn_" + transaction.dropFirst(4).prefix(16)
    }

    static func holdsBinding(_ request: Request, for transaction: AuthDatabase.Transaction) -> Bool {
        let name = Self.cookie(transaction.id) + "="
        for part in (request.headers[.cookie] ?? "").split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            guard pair.hasPrefix(name),
                let hash = BearerToken.hash(presented: String(pair.dropFirst(name.count)), prefix: Self.bindingPrefix)
            else { continue }
            return !transaction.binding.isEmpty && hash == transaction.binding
        }
        return false
    }

    /// The instance the page suggests: `scope=instance:NAME` if the client asked for one (an MCP
    /// client takes its scopes from the server, so most do not), otherwise the client's name.
    static func instance(scope: String?, clientName: String) -> String {
        for item in (scope ?? "").split(separator: " ") where item.hasPrefix("instance:") {
            let name = String(item.dropFirst("instance:".count))
            if (try? InstanceName(name)) != nil { return name }
        }
        var slug = ""
        for scalar in clientName.lowercased().unicodeScalars {
            let allowed =
                CharacterSet.lowercaseLetters.contains(scalar) && scalar.isASCII
                || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_"
            if allowed {
                slug.unicodeScalars.append(scalar)
            } else if !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        let trimmed = String(slug.trimmingCharacters(in: CharacterSet(charactersIn: "-.")).prefix(64))
        return trimmed.isEmpty || (try? InstanceName(trimmed)) == nil ? "connector" : trimmed
    }

    // MARK: /approve

    func approvalPage(_ request: Request) async throws -> Response {
        guard let id = URLEncodedForm(query: request.uri.description)?["txn"],
            let transaction = try self.auth.transaction(id: id)
        else { return Self.gonePage() }
        if transaction.grantID != nil { return try await self.complete(transaction, request) }
        return try self.form(transaction)
    }

    func approve(_ request: Request, context: DoorContext) async throws -> Response {
        guard self.limits.approve.admit(OAuthRoutes.peer(context)) else { return Self.tooManyPage() }
        let body = try await request.body.collect(upTo: OAuthRoutes.maximumBody)
        guard let form = URLEncodedForm(Substring(String(buffer: body))), let id = form["txn"],
            let transaction = try self.auth.transaction(id: id)
        else { return Self.gonePage() }
        if transaction.grantID != nil { return try await self.complete(transaction, request) }
        // Refused before the code is spent: the airlock is asked only from the starting browser.
        guard Self.holdsBinding(request, for: transaction) else { return Self.foreignBrowserPage() }
        let client = try self.auth.client(id: transaction.clientID)
        // The page lets the practitioner pick another name than the one the client suggested.
        let instance = form["instance"] ?? transaction.instance
        let approval: Choros_V1_ConnectorApproveResponse
        do {
            approval = try await self.airlock.call(
                ConnectorRPC.approve,
                .with {
                    $0.transaction = transaction.id
                    $0.instance = instance
                    $0.clientID = transaction.clientID
                    $0.clientName = client?.name ?? ""
                    $0.redirectUri = transaction.redirectURI
                    $0.code = form["code"] ?? ""
                },
                options: CallOptions(timeout: .seconds(10))
            )
        } catch let error as RPCError {
            return try await self.refused(transaction, error)
        }
        guard try self.auth.approve(transaction: transaction.id, instance: approval.instance, channel: "totp") != nil
        else { return Self.gonePage() }
        return try await self.complete(transaction, request)
    }

    /// The airlock said no: a wrong code counts against the transaction (the fifth burns it);
    /// anything else is shown as it is.
    private func refused(_ transaction: AuthDatabase.Transaction, _ error: RPCError) async throws -> Response {
        var details = try self.details(transaction)
        details.problem = error.message
        switch error.code {
        case .permissionDenied:
            guard let count = try self.auth.countWrongCode(transaction: transaction.id, limit: Self.wrongCodes) else {
                return Self.gonePage()
            }
            guard count < Self.wrongCodes else {
                await self.audit.record(
                    "connector.refused",
                    clientID: transaction.clientID,
                    instance: transaction.instance,
                    reason: "\(Self.wrongCodes) wrong codes: the approval request is burned"
                )
                return ApprovalPage.message(
                    "Too many wrong codes",
                    "\(Self.wrongCodes) wrong codes: this approval request is burned. Start again from the client.",
                    status: .tooManyRequests
                )
            }
            details.wrongCodesLeft = Self.wrongCodes - count
            return ApprovalPage.form(details, status: .unauthorized)
        case .resourceExhausted:
            return ApprovalPage.form(details, status: .tooManyRequests)
        case .unavailable, .deadlineExceeded:
            details.problem = "the airlock does not answer; try again in a moment"
            return ApprovalPage.form(details, status: .serviceUnavailable)
        default:
            await self.audit.record(
                "connector.refused",
                clientID: transaction.clientID,
                instance: transaction.instance,
                reason: String(error.message.prefix(200))
            )
            return ApprovalPage.form(details, status: .conflict)
        }
    }

    /// An approved transaction ends here, in the browser that started it: its code goes to the
    /// client's redirect URI.
    private func complete(_ transaction: AuthDatabase.Transaction, _ request: Request) async throws -> Response {
        guard Self.holdsBinding(request, for: transaction) else { return Self.foreignBrowserPage() }
        guard let (code, transaction) = try self.auth.issueCode(transaction: transaction.id) else {
            return Self.gonePage()
        }
        var response = self.redirect(transaction.redirectURI, ["code": code], state: transaction.state)
        response.status = .seeOther
        return response
    }

    func status(_ request: Request, context: DoorContext) throws -> Response {
        guard self.limits.status.admit(OAuthRoutes.peer(context)) else { return OAuthRoutes.tooMany() }
        let transaction = try URLEncodedForm(query: request.uri.description)?["txn"].flatMap {
            try self.auth.transaction(id: $0)
        }
        let status = transaction.map { $0.grantID == nil ? "pending" : "approved" } ?? "gone"
        return OAuthRoutes.json(["status": status])
    }

    private func form(_ transaction: AuthDatabase.Transaction) throws -> Response {
        ApprovalPage.form(try self.details(transaction))
    }

    private func details(_ transaction: AuthDatabase.Transaction) throws -> ApprovalPage.Details {
        ApprovalPage.Details(
            transaction: transaction.id,
            clientName: try self.auth.client(id: transaction.clientID)?.name ?? "unknown client",
            redirectURI: transaction.redirectURI,
            instance: transaction.instance,
            instanceExists: CustodialKeys.candidates(keysDirectory: self.keysDirectory, instance: transaction.instance)
                .contains { FileManager.default.fileExists(atPath: $0) },
            expiresAt: transaction.expiresAt
        )
    }

    // MARK: /token and /revoke

    func token(_ request: Request, context: DoorContext) async throws -> Response {
        guard self.limits.token.admit(OAuthRoutes.peer(context)) else { return OAuthRoutes.tooMany() }
        let body = try await request.body.collect(upTo: OAuthRoutes.maximumBody)
        guard let form = URLEncodedForm(Substring(String(buffer: body))) else {
            return OAuthRoutes.error("invalid_request", "a parameter appears more than once, or is not form-encoded")
        }
        guard let clientID = form["client_id"], try self.auth.client(id: clientID) != nil else {
            return OAuthRoutes.error("invalid_client", "client_id names no registered client", status: .unauthorized)
        }
        let outcome: Result<AuthDatabase.TokenPair, AuthDatabase.TokenFailure>
        let kind = form["grant_type"] ?? ""
        switch kind {
        case "authorization_code":
            // OAuth 2.1 drops redirect_uri from this request; one that is sent must match.
            guard let code = form["code"], let verifier = form["code_verifier"] else {
                return OAuthRoutes.error("invalid_request", "code and code_verifier are required")
            }
            let redirect = form["redirect_uri"]
            outcome = try self.auth.exchange(code: code, clientID: clientID, redirectURI: redirect, verifier: verifier)
        case "refresh_token":
            guard let token = form["refresh_token"] else {
                return OAuthRoutes.error("invalid_request", "refresh_token is required")
            }
            outcome = try self.auth.refresh(token: token, clientID: clientID)
        default:
            return OAuthRoutes.error(
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token"
            )
        }
        switch outcome {
        case .success(let pair):
            await self.audit.record(
                "connector.issue",
                clientID: clientID,
                grantID: pair.grant.id,
                instance: pair.grant.instance,
                reason: kind
            )
            return OAuthRoutes.json([
                "access_token": pair.access,
                "token_type": "Bearer",
                "expires_in": AuthDatabase.Lifetime.access / 1000,
                "refresh_token": pair.refresh,
            ])
        case .failure(.invalid(let reason)):
            await self.audit.record("connector.refused", clientID: clientID, reason: "\(kind): \(reason)")
            return OAuthRoutes.error("invalid_grant", reason)
        case .failure(.replayed(let grant)):
            let reason = "a spent \(kind == "refresh_token" ? "refresh token" : "code") came back: grant revoked"
            await self.audit.record("connector.refused", clientID: clientID, grantID: grant, reason: reason)
            return OAuthRoutes.error("invalid_grant", reason)
        }
    }

    /// RFC 7009: 200 whatever the token was, so the answer tells a caller nothing.
    func revoke(_ request: Request, context: DoorContext) async throws -> Response {
        guard self.limits.token.admit(OAuthRoutes.peer(context)) else { return OAuthRoutes.tooMany() }
        let body = try await request.body.collect(upTo: OAuthRoutes.maximumBody)
        guard let form = URLEncodedForm(Substring(String(buffer: body))), let token = form["token"] else {
            return OAuthRoutes.error("invalid_request", "token is required")
        }
        if let grant = try self.auth.revoke(token: token) {
            let what = token.hasPrefix(BearerToken.refreshPrefix) ? "refresh token and its grant" : "access token"
            await self.audit.record("connector.revoke", clientID: form["client_id"] ?? "", grantID: grant, reason: what)
        }
        return Response(status: .ok, headers: [.cacheControl: "no-store"])
    }

    // MARK: helpers

    /// `uri` with `parameters`, the client's `state` and our issuer (RFC 9207) added to its query.
    private func redirect(_ uri: String, _ parameters: [String: String], state: String?) -> Response {
        var components = URLComponents(string: uri) ?? URLComponents()
        var items = components.queryItems ?? []
        items += parameters.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        if let state { items.append(URLQueryItem(name: "state", value: state)) }
        items.append(URLQueryItem(name: "iss", value: self.issuer))
        components.queryItems = items
        // URLComponents leaves '+' alone; in a query it would read as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return Response(status: .found, headers: [.location: components.string ?? uri, .cacheControl: "no-store"])
    }

    static func gonePage() -> Response {
        ApprovalPage.message(
            "This approval request is gone",
            "It expired, was completed, or was burned by wrong codes. Start again from the client.",
            status: .badRequest
        )
    }

    static func foreignBrowserPage() -> Response {
        ApprovalPage.message(
            "Finish where you started",
            "This approval completes only in the browser that started it from the client.",
            status: .forbidden
        )
    }

    static func tooManyPage() -> Response {
        ApprovalPage.message(
            "Too many requests",
            "Too many requests from this address: wait a minute.",
            status: .tooManyRequests
        )
    }
}
