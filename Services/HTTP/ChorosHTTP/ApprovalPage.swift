internal import ChorosCore
internal import Crypto
internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import NIOCore

/// The pages of `/approve`: what the practitioner sees before a connector may act as an
/// instance. Everything shown is escaped; the one script (which continues the page once the
/// practitioner approves at the console) and the one style sheet are allowed by hash alone.
enum ApprovalPage {
    struct Details {
        let transaction: String
        let clientName: String
        let redirectURI: String
        let instance: String
        /// The door holds a key for this name already: the client would write as that instance.
        var instanceExists = false
        let expiresAt: Int64
        var problem: String?
        var wrongCodesLeft: Int?
    }

    static func form(_ details: Details, status: HTTPResponse.Status = .ok) -> Response {
        Self.page(
            Self.formBody(details),
            status: status,
            transaction: details.transaction,
            returnsTo: details.redirectURI
        )
    }

    static func formBody(_ details: Details) -> String {
        var problem = ""
        if let text = details.problem {
            problem = "<p class=\"problem\" role=\"alert\">\(Self.escape(text))"
            if let left = details.wrongCodesLeft { problem += " (\(left) attempt\(left == 1 ? "" : "s") left)" }
            problem += "</p>"
        }
        return """
            <h1>Approve a connector</h1>
            <p>A remote MCP client asks to act in Choros as an instance. Approve it only if you started this.</p>
            <dl>
            <dt>Client</dt><dd>\(Self.escape(details.clientName))</dd>
            <dt>Returns to</dt><dd><code>\(Self.escape(details.redirectURI))</code></dd>
            <dt>Expires</dt><dd>\(Self.escape(Self.time(details.expiresAt)))</dd>
            </dl>
            \(problem)
            <form method="post" action="/approve">
            <input type="hidden" name="txn" value="\(Self.escape(details.transaction))">
            <label for="instance">Acts as instance</label>
            <input id="instance" name="instance" class="name" value="\(Self.escape(details.instance))" pattern="[A-Za-z0-9._\\-]{1,64}" maxlength="64" required>
            <p class="note">\(details.instanceExists ? "<strong>An existing instance</strong>: the client would write as it, with its history." : "A new instance, enrolled with a key this server holds.")</p>
            <label for="code">Your TOTP code</label>
            <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
            <button type="submit">Approve</button>
            </form>
            <p class="note">Or at the console: <code>choros-admin connector approve \(Self.escape(details.transaction)) --as \(Self.escape(details.instance))</code>. This page then continues by itself.</p>
            """
    }

    static func message(_ title: String, _ text: String, status: HTTPResponse.Status) -> Response {
        Self.page("<h1>\(Self.escape(title))</h1><p>\(Self.escape(text))</p>", status: status)
    }

    private static func page(
        _ body: String,
        status: HTTPResponse.Status,
        transaction: String? = nil,
        returnsTo: String? = nil
    ) -> Response {
        let data = transaction.map { " data-txn=\"\(Self.escape($0))\"" } ?? ""
        let script = transaction == nil ? "" : "<script>\(Self.script)</script>"
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Choros: approve a connector</title><style>\(Self.style)</style></head>
            <body\(data)><main>\(body)</main>\(script)</body></html>
            """
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: Self.policy(returnsTo: returnsTo), .referrerPolicy: "same-origin",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html))
        )
    }

    /// The page's CSP: its own script and style by hash, nothing else. The form posts here and
    /// is answered with a redirect to the client, which a browser checks against form-action too.
    static func policy(returnsTo: String?) -> String {
        let formTargets = ["'self'"] + (returnsTo.flatMap(Self.origin).map { [$0] } ?? [])
        return [
            "default-src 'none'", "style-src '\(Self.styleHash)'", "script-src '\(Self.scriptHash)'",
            "connect-src 'self'", "form-action \(formTargets.joined(separator: " "))", "frame-ancestors 'none'",
            "base-uri 'none'",
        ].joined(separator: "; ")
    }

    /// `scheme://host[:port]` of a redirect URI, for form-action; nil when it has none.
    static func origin(_ uri: String) -> String? {
        guard let url = URL(string: uri), let scheme = url.scheme, let host = url.host else { return nil }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(bracketed)" + (url.port.map { ":\($0)" } ?? "")
    }

    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    private static func time(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    /// Asks every 2 s whether the practitioner approved elsewhere; reloads when so (the page
    /// then redirects to the client) or when the transaction is gone (the page says so).
    static let script = """
        (function(){var t=document.body.getAttribute('data-txn');if(!t)return;\
        setInterval(function(){fetch('/approve/status?txn='+encodeURIComponent(t),{cache:'no-store'})\
        .then(function(r){return r.json()}).then(function(s){if(s.status!=='pending')location.reload()})\
        .catch(function(){})},2000)})();
        """

    static let style = """
        body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1d1d1f;background:#f5f5f7}\
        main{max-width:36rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:12px;\
        box-shadow:0 1px 4px rgba(0,0,0,.12)}h1{font-size:1.4rem;margin-top:0}dt{font-weight:600;margin-top:.6rem}\
        dd{margin:0;word-break:break-all}code{font-size:.9em}label{display:block;margin-top:1.2rem;font-weight:600}\
        input{font-size:1.4rem;letter-spacing:.3rem;width:9rem;padding:.3rem .5rem;margin:.4rem .6rem 0 0}\
        button{font-size:1rem;padding:.5rem 1.2rem;border:0;border-radius:8px;background:#0a63c9;color:#fff}\
        input.name{font-size:1.1rem;letter-spacing:normal;width:16rem}.problem{color:#a4001d;font-weight:600}.note{color:#555;font-size:.9rem;margin-top:1.5rem}
        """

    static let scriptHash = Self.hash(Self.script)
    static let styleHash = Self.hash(Self.style)

    private static func hash(_ text: String) -> String {
        "sha256-" + Data(SHA256.hash(data: Data(text.utf8))).base64EncodedString()
    }
}
