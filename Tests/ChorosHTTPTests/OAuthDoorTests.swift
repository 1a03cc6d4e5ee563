import ChorosAuth
import ChorosTesting
import Foundation
import Testing

@testable import ChorosHTTP

@Suite("choros-http: the OAuth door's registration and rate limits")
struct OAuthDoorTests {
    @Test("registration keeps its clients and stops at the cap")
    func clientCap() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let auth = try AuthDatabase(path: directory.path + "/auth.sqlite")
        let first = try #require(try auth.registerClient(name: "a", redirectURIs: ["https://a.example/cb"], cap: 2))
        #expect(first.id.hasPrefix("chc_") && first.id.count == 36)
        #expect(try auth.registerClient(name: "b", redirectURIs: ["http://127.0.0.1:9/cb"], cap: 2) != nil)
        #expect(try auth.registerClient(name: "c", redirectURIs: ["https://c.example/cb"], cap: 2) == nil)
        #expect(try auth.client(id: first.id) == first)
        #expect(try auth.clients().map(\.name) == ["a", "b"])
    }

    @Test("a redirect URI is https, or http to loopback, and never carries a fragment")
    func redirects() {
        for good in ["https://claude.ai/api/mcp/auth_callback", "http://localhost:33418/cb", "http://127.0.0.1/cb"] {
            #expect(OAuthRoutes.isAcceptableRedirect(good), "\(good)")
        }
        for bad in [
            "http://evil.example/cb", "javascript:alert(1)", "https://a.example/cb#x", "ftp://a.example/",
            "https:///nohost", "https://a.example/" + String(repeating: "x", count: 2100),
        ] {
            #expect(!OAuthRoutes.isAcceptableRedirect(bad), "\(bad)")
        }
    }

    @Test("each address has its own window; a spent one admits again once it ends; the table is bounded")
    func rateLimiter() {
        let limiter = RateLimiter(limit: 3, per: .seconds(60), capacity: 2)
        let start = ContinuousClock.now
        #expect((0..<3).allSatisfy { _ in limiter.admit("10.0.0.1", now: start) })
        #expect(!limiter.admit("10.0.0.1", now: start + .seconds(59)))
        #expect(limiter.admit("10.0.0.2", now: start))
        // Full, and no window has ended: a new address is refused rather than evicting one.
        #expect(!limiter.admit("10.0.0.3", now: start + .seconds(1)))
        #expect(limiter.admit("10.0.0.1", now: start + .seconds(60)))
        #expect(limiter.admit("10.0.0.3", now: start + .seconds(61)))
    }

    /// An approved transaction for a client, as `/approve` leaves it.
    private func approved(
        _ auth: AuthDatabase,
        challenge: String,
        now: Int64
    ) throws -> (client: AuthDatabase.Client, code: String) {
        let client = try #require(try auth.registerClient(name: "c", redirectURIs: ["https://c.example/cb"], cap: 9))
        let transaction = try #require(
            try auth.openTransaction(
                clientID: client.id,
                redirectURI: "https://c.example/cb",
                challenge: challenge,
                state: "s",
                instance: "remote",
                binding: Data(repeating: 1, count: 32),
                now: now
            )
        )
        #expect(try auth.issueCode(transaction: transaction.id, now: now) == nil, "no code before approval")
        #expect(try auth.approve(transaction: transaction.id, instance: "remote", channel: "totp", now: now) != nil)
        #expect(try auth.approve(transaction: transaction.id, instance: "x", channel: "totp", now: now) == nil)
        let (code, _) = try #require(try auth.issueCode(transaction: transaction.id, now: now))
        #expect(try auth.transaction(id: transaction.id, now: now) == nil, "a transaction ends with its code")
        return (client, code)
    }

    static let verifier = String(repeating: "v", count: 43)
    /// base64url(SHA-256(verifier)), as RFC 7636 computes it.
    static let challenge = "7w_YNF9DSfIdPf_pRjSq646_kPr-2-o9NAl16JGghdM"

    @Test("a code is spent once, with its verifier, client and redirect URI; a second use revokes the grant")
    func codes() throws {
        #expect(PKCE.matches(verifier: Self.verifier, challenge: Self.challenge))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let auth = try AuthDatabase(path: directory.path + "/auth.sqlite")
        let now: Int64 = 1_000_000
        let (client, code) = try self.approved(auth, challenge: Self.challenge, now: now)
        func exchange(
            _ verifier: String = Self.verifier,
            redirect: String = "https://c.example/cb",
            at time: Int64 = now
        )
            throws -> Result<AuthDatabase.TokenPair, AuthDatabase.TokenFailure>
        {
            try auth.exchange(code: code, clientID: client.id, redirectURI: redirect, verifier: verifier, now: time)
        }
        guard case .failure(.invalid) = try exchange(String(repeating: "w", count: 43)) else {
            Issue.record("a wrong verifier must fail")
            return
        }
        guard case .failure(.invalid) = try exchange(redirect: "https://c.example/other") else {
            Issue.record("another redirect URI must fail")
            return
        }
        guard case .success(let pair) = try exchange() else {
            Issue.record("the code must exchange once")
            return
        }
        #expect(try auth.instance(presenting: pair.access, now: now)?.instance == "remote")
        #expect(try auth.instance(presenting: pair.refresh, now: now) == nil, "a refresh token opens no session")
        guard case .failure(.replayed(let grant)) = try exchange() else {
            Issue.record("a second use must be a replay")
            return
        }
        #expect(grant == pair.grant.id)
        #expect(try auth.instance(presenting: pair.access, now: now) == nil, "the replay revoked the grant")
    }

    @Test("refresh tokens rotate; a rotated one presented again revokes the grant; access tokens last 24 h")
    func refreshes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let auth = try AuthDatabase(path: directory.path + "/auth.sqlite")
        let now: Int64 = 1_000_000
        let (client, code) = try self.approved(auth, challenge: Self.challenge, now: now)
        guard
            case .success(let first) = try auth.exchange(
                code: code,
                clientID: client.id,
                redirectURI: "https://c.example/cb",
                verifier: Self.verifier,
                now: now
            )
        else {
            Issue.record("exchange")
            return
        }
        let day = AuthDatabase.Lifetime.access
        let earlier = try #require(try auth.instance(presenting: first.access, now: now + day - 1))
        #expect(try auth.instance(presenting: first.access, now: now + day) == nil, "24 h")
        guard case .failure(.invalid) = try auth.refresh(token: first.refresh, clientID: "chc_other", now: now) else {
            Issue.record("another client's refresh must fail")
            return
        }
        guard case .success(let second) = try auth.refresh(token: first.refresh, clientID: client.id, now: now + day)
        else {
            Issue.record("refresh")
            return
        }
        #expect(second.refresh != first.refresh && second.access != first.access)
        let session = try #require(try auth.instance(presenting: second.access, now: now + day))
        #expect(session.hash == earlier.hash, "a session is bound to the grant, so it outlives the rotation")
        guard case .failure(.replayed) = try auth.refresh(token: first.refresh, clientID: client.id, now: now + day)
        else {
            Issue.record("a rotated refresh token must be a replay")
            return
        }
        #expect(try auth.instance(presenting: second.access, now: now + day) == nil)
        #expect(try auth.grants().first?.revokedAt == now + day)
    }

    @Test("expired transactions, codes and tokens are collected; pending transactions are capped; wrong codes burn")
    func bounds() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let auth = try AuthDatabase(path: directory.path + "/auth.sqlite")
        let client = try #require(try auth.registerClient(name: "c", redirectURIs: ["https://c.example/cb"], cap: 99))
        func open(at now: Int64, for client: AuthDatabase.Client = client) throws -> AuthDatabase.Transaction? {
            try auth.openTransaction(
                clientID: client.id,
                redirectURI: "https://c.example/cb",
                challenge: Self.challenge,
                state: nil,
                instance: "remote",
                binding: Data(repeating: 1, count: 32),
                now: now
            )
        }
        for _ in 0..<AuthDatabase.maximumTransactionsPerClient { #expect(try open(at: 1000) != nil) }
        #expect(try open(at: 1000) == nil, "one client cannot take every pending slot")
        var opened = AuthDatabase.maximumTransactionsPerClient
        while opened < AuthDatabase.maximumTransactions {
            let other = try #require(
                try auth.registerClient(name: "o", redirectURIs: ["https://c.example/cb"], cap: 99, now: 1000)
            )
            for _ in 0..<AuthDatabase.maximumTransactionsPerClient where opened < AuthDatabase.maximumTransactions {
                #expect(try open(at: 1000, for: other) != nil)
                opened += 1
            }
        }
        let last = try #require(
            try auth.registerClient(name: "x", redirectURIs: ["https://c.example/cb"], cap: 99, now: 1000)
        )
        #expect(try open(at: 1000, for: last) == nil, "a flood of pending approvals is refused")
        let later = 1000 + AuthDatabase.Lifetime.transaction
        let fresh = try #require(try open(at: later), "expired ones are collected as new ones open")
        #expect(try auth.pendingTransactions(now: later).map(\.id) == [fresh.id])
        #expect(try auth.countWrongCode(transaction: fresh.id, limit: 5) == 1)
        for count in 2...5 { #expect(try auth.countWrongCode(transaction: fresh.id, limit: 5) == count) }
        #expect(try auth.transaction(id: fresh.id, now: later) == nil, "the fifth wrong code burns it")
        #expect(try auth.countWrongCode(transaction: fresh.id, limit: 5) == nil, "then it is gone (400, not 429)")
        // Registrations that never led to a grant are dropped after a day.
        let count = try auth.clients().count
        _ = try auth.registerClient(
            name: "n",
            redirectURIs: ["https://c.example/cb"],
            cap: 999,
            now: Clock.milliseconds() + 2 * AuthDatabase.Lifetime.unusedClient
        )
        let granted = Set(try auth.grants().map(\.clientID))
        #expect(try auth.clients().count == granted.count + 1, "\(count) registrations, the unused ones dropped")

        let (_, code) = try self.approved(auth, challenge: Self.challenge, now: later)
        try auth.collectExpired(now: later + AuthDatabase.Lifetime.code)
        let owner = try #require(try auth.clients().last)
        guard
            case .failure(.invalid) = try auth.exchange(
                code: code,
                clientID: owner.id,
                redirectURI: "https://c.example/cb",
                verifier: Self.verifier,
                now: later + AuthDatabase.Lifetime.code
            )
        else {
            Issue.record("an expired code is gone")
            return
        }
        let static_ = try auth.issueStaticToken(instance: "alice", now: later)
        try auth.collectExpired(now: later + 10 * AuthDatabase.Lifetime.refresh)
        #expect(try auth.instance(presenting: static_)?.instance == "alice", "static tokens do not expire")
    }

    @Test("the instance a page suggests: the client's scope if it names one, else the client's name")
    func suggestedInstance() {
        #expect(OAuthFlow.instance(scope: "read instance:lintel", clientName: "x") == "lintel")
        #expect(OAuthFlow.instance(scope: "instance:bad/name", clientName: "Claude Desktop") == "claude-desktop")
        #expect(OAuthFlow.instance(scope: nil, clientName: "<script>") == "script")
        #expect(OAuthFlow.instance(scope: nil, clientName: "???") == "connector")
    }

    @Test("the approval page escapes what a client registered, and allows its script and style by hash alone")
    func page() throws {
        let body = ApprovalPage.formBody(
            .init(
                transaction: "cht_1",
                clientName: "<img src=x onerror=alert(1)>",
                redirectURI: "https://c.example/cb?a=\"b\"",
                instance: "remote",
                expiresAt: 0
            )
        )
        #expect(!body.contains("<img") && body.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(body.contains("cb?a=&quot;b&quot;"))
        let policy = ApprovalPage.policy(returnsTo: "https://c.example/cb")
        #expect(policy.contains("script-src '\(ApprovalPage.scriptHash)'"))
        #expect(policy.contains("form-action 'self' https://c.example;"))
        #expect(!policy.contains("unsafe-inline"))
    }
}
