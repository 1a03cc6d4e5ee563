import ChorosCore
import ChorosPractitioner
import ChorosTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import ChorosCockpit

@Suite("choros-cockpit: what an entry may render, who may log in, what a form must carry")
struct CockpitTests {
    @Test("Markdown renders through cmark-gfm with raw HTML and script links taken out")
    func markdown() {
        let html = Markdown.html(
            """
            # Title

            <script>document.title='owned'</script>
            <img src=x onerror="document.title='owned'">

            [click](javascript:alert(1)) and **bold** <img src=x onerror=alert(1)>

            | a | b |
            |---|---|
            | 1 | 2 |
            """
        )
        #expect(html.contains("<h1>Title</h1>") && html.contains("<strong>bold</strong>"))
        #expect(html.contains("<table>"), "GFM tables")
        #expect(!html.contains("<script") && !html.contains("onerror") && !html.contains("<img"))
        #expect(!html.contains("javascript:"))
    }

    @Test("a line diff keeps three lines of context around each change and folds the rest")
    func lineDiff() {
        let old = (1...12).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let new = old.replacingOccurrences(of: "line 9\n", with: "line nine\n")
        let lines = LineDiff.lines(from: old, to: new)
        #expect(lines.first?.kind == .gap && lines.first?.text == "5 unchanged line(s)")
        #expect(lines.filter { $0.kind == .removed }.map(\.text) == ["line 9"])
        #expect(lines.filter { $0.kind == .added }.map(\.text) == ["line nine"])
        #expect(lines.filter { $0.kind == .same }.count == 6)
        #expect(LineDiff.lines(from: old, to: old).isEmpty)
    }

    @Test("only loopback Host names are answered")
    func hosts() {
        for good in ["127.0.0.1:8788", "localhost", "[::1]:8788", "LOCALHOST:1"] {
            #expect(CockpitGuard.isLoopback(authority: good), "\(good)")
        }
        for bad in ["evil.example", "127.0.0.1.evil.example:8788", "10.0.0.1", "", "[::2]:1"] {
            #expect(!CockpitGuard.isLoopback(authority: bad), "\(bad)")
        }
        #expect(!CockpitGuard.isLoopback(authority: nil))
    }

    @Test("the login URL works once and becomes an HttpOnly, SameSite=Strict cookie; a POST needs its CSRF token")
    func logInAndForms() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path + "/keys", withIntermediateDirectories: true)
        try SigningKey.generate().save(to: directory.path + "/keys/practitioner.key")
        let configuration = try ChorosConfiguration.load(file: nil, dataDirectory: directory.path)
        let cockpit = try Cockpit(configuration: configuration, loginToken: "t0ken", logger: Logger(label: "test"))
        let application = Application(router: cockpit.router())
        try await application.test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            }
            try await client.execute(uri: "/login?token=wrong", method: .get) { #expect($0.status == .forbidden) }
            let (cookie, base) = try await client.execute(uri: "/login?token=t0ken", method: .get) { response in
                #expect(response.status == .seeOther)
                let cookie = response.headers[.setCookie] ?? ""
                let base = String((response.headers[.location] ?? "").dropLast())
                #expect(base.hasPrefix("/c/") && base.count == 35)
                #expect(
                    cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict")
                        && cookie.contains("Path=\(base);")
                )
                return (String(cookie.split(separator: ";")[0]), base)
            }
            try await client.execute(uri: "/login?token=t0ken", method: .get) { response in
                #expect(response.status == .forbidden, "the login URL is spent")
            }
            try await client.execute(
                uri: base + "/proposals/p1/close",
                method: .post,
                headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "reason=gone")
            ) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("CSRF"))
            }
            try await client.execute(
                uri: "/c/" + String(repeating: "0", count: 32) + "/",
                method: .get,
                headers: [.cookie: cookie]
            ) {
                #expect($0.status == .unauthorized, "the cookie opens its own session's path only")
            }
            try await client.execute(uri: "/static/cockpit.css", method: .get) { #expect($0.status == .ok) }
        }
    }
}
