internal import ChorosCore
internal import ChorosPractitioner
internal import ChorosProto
internal import Foundation
internal import Hummingbird

/// The practitioner's mail: read (which marks read), reply as the practitioner (signed), and
/// any entry a message's coordinates point at.
extension Cockpit {
    func addInbox(to router: RouterGroup<CockpitContext>) {
        router.get("inbox") { request, _ in
            await self.attempt(section: "inbox") {
                let all = self.query(request)["all"] != nil
                let messages = try await self.practitioner.inbox(all: all)
                let unread = messages.filter { !$0.isRead }.count
                return self.page.render(
                    "inbox",
                    [
                        "all": all, "hasMessages": !messages.isEmpty,
                        "messages": messages.map { message -> [String: Any] in
                            [
                                "from": message.from,
                                "subject": message.subject.isEmpty ? "(no subject)" : message.subject,
                                "ref": message.ref, "path": message.path, "read": message.isRead,
                                "coordinates": Self.coordinates(message.coordinates),
                            ]
                        },
                    ],
                    title: "Inbox",
                    section: "inbox",
                    unread: unread
                )
            }
        }
        router.get("inbox/read") { request, context in
            await self.attempt(section: "inbox", back: "/inbox") {
                let query = self.query(request)
                guard
                    let message = try await self.practitioner.inbox(all: true).first(where: {
                        $0.ref == query["ref"] && $0.path == query["path"]
                    })
                else {
                    return self.page.notice(
                        "Not found",
                        "No such message in your inbox.",
                        tone: "bad",
                        back: "/inbox",
                        section: "inbox",
                        status: .notFound
                    )
                }
                let text = try await self.practitioner.read(message)
                let coordinates = Self.coordinates(message.coordinates)
                return self.page.render(
                    "message",
                    [
                        "subject": message.subject.isEmpty ? "(no subject)" : message.subject, "from": message.from,
                        "path": message.path, "ref": message.ref, "csrf": self.csrf(context),
                        "coordinates": coordinates, "hasCoordinates": !coordinates.isEmpty,
                        "html": Markdown.html((try? Entry(parsing: text))?.body ?? text),
                    ],
                    title: message.subject,
                    section: "inbox"
                )
            }
        }
        router.post("inbox/reply") { _, context in
            await self.attempt(section: "inbox", back: "/inbox") {
                guard let to = context.form["to"], let body = context.form["body"] else {
                    return self.page.notice(
                        "Not sent",
                        "A reply needs a recipient and a body.",
                        tone: "bad",
                        back: "/inbox",
                        section: "inbox",
                        status: .badRequest
                    )
                }
                let sent = try await self.practitioner.send(
                    to: [to],
                    subject: context.form["subject"] ?? "",
                    body: body
                )
                return self.page.notice(
                    "Sent",
                    "Your reply to \(to) is \(sent.path), signed as \(self.practitioner.name).",
                    tone: "good",
                    back: "/inbox",
                    section: "inbox"
                )
            }
        }
        router.get("entry") { request, _ in
            await self.attempt(section: "inbox") {
                let query = self.query(request)
                let ref = query["ref"] ?? "canon"
                let path = query["path"] ?? ""
                let entry = try await self.practitioner.tool(
                    "kip_get",
                    ["ref": .string(ref), "path": .string(path)],
                    as: Choros_V1_KipGetResponse.self
                )
                let parsed = try? Entry(parsing: entry.text)
                let fields = Self.fields(parsed)
                return self.page.render(
                    "entry",
                    [
                        "path": entry.path, "ref": entry.ref, "fields": fields, "hasFields": !fields.isEmpty,
                        "html": Markdown.html(parsed?.body ?? entry.text),
                    ],
                    title: entry.path,
                    section: "inbox"
                )
            }
        }
    }

    /// A message's coordinates, each an entry path the page links to.
    static func coordinates(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map(String.init).filter { !$0.isEmpty }
    }
}
