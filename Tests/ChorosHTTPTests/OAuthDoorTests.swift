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
}
