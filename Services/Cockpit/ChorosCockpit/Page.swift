internal import ChorosCore
internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import Mustache
internal import NIOCore

/// Renders a screen into the layout: the inner template first, then the layout around it.
struct Page: Sendable {
    let library: MustacheLibrary

    /// The session's path prefix (`/c/…`), set by the guard for the request being served:
    /// every link and form of a page, and every redirect, goes under it.
    @TaskLocal static var base = ""

    init() throws {
        var library = MustacheLibrary()
        for (name, text) in Templates.all { try library.register(text, named: name) }
        self.library = library
    }

    /// The screens in the navigation bar, by the section each page belongs to.
    static let sections: [(key: String, href: String, label: String)] = [
        ("overview", "/", "Overview"), ("inbox", "/inbox", "Inbox"), ("claims", "/claims", "Claims"),
        ("connectors", "/connectors", "Connectors"), ("instances", "/instances", "Instances"),
        ("audit", "/audit", "Audit"),
    ]

    func render(
        _ template: String,
        _ values: [String: Any],
        title: String,
        section: String,
        status: HTTPResponse.Status = .ok,
        unread: Int = 0,
        live: Int? = nil
    ) -> Response {
        let content = self.library.render(Self.based(values), withTemplate: template) ?? ""
        let nav: [[String: Any]] = Self.sections.map { item in
            var row: [String: Any] = [
                "href": Self.base + item.href, "label": item.label, "current": item.key == section,
            ]
            if item.key == "inbox", unread > 0 { row["count"] = unread }
            return row
        }
        var layout: [String: Any] = ["title": title, "content": content, "nav": nav]
        if let live { layout["live"] = live }
        return Self.html(self.library.render(layout, withTemplate: "layout") ?? content, status: status)
    }

    /// The inner page alone, for the overview's live refresh.
    func fragment(_ template: String, _ values: [String: Any]) -> Response {
        Self.html(self.library.render(values, withTemplate: template) ?? "", status: .ok)
    }

    func notice(
        _ heading: String,
        _ message: String,
        tone: String = "",
        back: String? = nil,
        section: String = "overview",
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var values: [String: Any] = ["heading": heading, "message": message, "tone": tone]
        if let back { values["back"] = Self.base + back }
        return self.render("notice", values, title: heading, section: section, status: status)
    }

    /// A refusal before any session exists (the guard's): plain, escaped, self-contained.
    static func refusal(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Self.html(
            """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Choros cockpit</title>
            <link rel="stylesheet" href="/static/cockpit.css"></head><body><main><h1>\(status.code) \(HTMLText.escape(status.reasonPhrase))</h1>
            <div class="alert bad">\(HTMLText.escape(message))</div></main></body></html>
            """,
            status: status
        )
    }

    static func html(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    /// A redirect within the session (`location` is a path of the cockpit's).
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: Self.base + location])
    }

    static func based(_ values: [String: Any]) -> [String: Any] {
        values.merging(["base": Self.base]) { own, _ in own }
    }

    static func time(_ milliseconds: Int64) -> String {
        guard milliseconds > 0 else { return "" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000)) + " UTC"
    }
}
