internal import Crypto
internal import Foundation
internal import NIOConcurrencyHelpers

/// Who may use the cockpit: whoever opened the one-time login URL `choros-cockpit` printed.
/// The token is spent by that first visit and becomes a session (a cookie the page's script
/// cannot read, sent only to this origin); each session carries the CSRF token its forms echo.
package final class CockpitSessions: Sendable {
    struct Session: Sendable {
        let id: String
        let csrf: String
        /// Every page of the session lives under this path, and its cookie is sent only there:
        /// another server on another loopback port (an agent's, say) that the practitioner
        /// opens gets no cookie, since browsers do not keep cookies apart by port.
        let base: String
        var lastUsed: ContinuousClock.Instant
    }

    static let cookie = "choros_cockpit"
    /// A session idle this long is gone: log in again with a new URL.
    static let idleLimit: Duration = .seconds(12 * 3600)

    private struct State {
        var loginToken: String?
        var sessions: [String: Session] = [:]
    }

    private let state: NIOLockedValueBox<State>

    init(loginToken: String) {
        self.state = NIOLockedValueBox(State(loginToken: loginToken))
    }

    package static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Spends the login token: a new session when `token` is it, nil otherwise (and forever after).
    func logIn(token: String) -> Session? {
        self.state.withLockedValue { state in
            guard let expected = state.loginToken, Self.same(expected, token) else { return nil }
            state.loginToken = nil
            let session = Session(
                id: Self.randomToken(),
                csrf: Self.randomToken(),
                base: "/c/" + Self.randomToken().prefix(32),
                lastUsed: .now
            )
            state.sessions[session.id] = session
            return session
        }
    }

    func session(cookie id: String, now: ContinuousClock.Instant = .now) -> Session? {
        self.state.withLockedValue { state in
            guard var session = state.sessions[id] else { return nil }
            guard now - session.lastUsed < Self.idleLimit else {
                state.sessions[id] = nil
                return nil
            }
            session.lastUsed = now
            state.sessions[id] = session
            return session
        }
    }

    /// Constant time, so a wrong guess teaches nothing about the right one.
    static func same(_ a: String, _ b: String) -> Bool {
        let left = Data(SHA256.hash(data: Data(a.utf8)))
        let right = Data(SHA256.hash(data: Data(b.utf8)))
        return zip(left, right).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
