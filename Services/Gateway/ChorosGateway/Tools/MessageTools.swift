internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

extension Gateway {
    static let practitioner = "practitioner"

    func impSend(_ arguments: Choros_V1_ImpSendArgs, _ call: WriteCall) async throws -> Choros_V1_WriteResult {
        guard !arguments.recipients.isEmpty else {
            throw Refusal(.impSendRecipients, .invalidArgument, "a message needs at least one recipient")
        }
        let registry = try await self.registry.current()
        var recipients: [String] = []
        for name in arguments.recipients {
            if name.lowercased() == Self.practitioner {
                recipients.append(Self.practitioner)
            } else if let record = registry.record(named: name), record.name.folded != "system" {
                recipients.append(record.name.rawValue)
            } else {
                throw Refusal(
                    .impSendRecipients,
                    .notFound,
                    "recipient '\(name)' is not an enrolled instance (or 'practitioner')"
                )
            }
        }
        let path = "messages/\(call.key).md"
        do { _ = try EntryPath(path) } catch {
            throw Refusal.input("op_id '\(call.key)' cannot name a message: \(error)")
        }
        let perspective = call.caller.perspective
        var supersedes = ""
        if !arguments.supersedes.isEmpty {
            supersedes = try Self.entryPath(arguments.supersedes, argument: "supersedes")
            guard supersedes.hasPrefix("messages/"), try await self.daemons.store.exists(perspective, supersedes) else {
                throw Refusal(
                    .impSendSupersedes,
                    .notFound,
                    "supersedes '\(supersedes)' is not one of your messages"
                )
            }
        }
        var fields = EntryFields(type: "msg", title: arguments.subject)
        fields.extra = [("subject", .scalar(arguments.subject)), ("recipients", .list(recipients))]
        if !arguments.coordinates.isEmpty { fields.extra.append(("coordinates", .scalar(arguments.coordinates))) }
        fields.supersedes = supersedes
        let body = arguments.body
        let message = fields
        let plan = PlannedCommit(
            ref: perspective,
            subject: "IMP \(path)",
            primary: { stamps in Self.change(path, try message.render(body: body, stamps: stamps)) }
        )
        return Self.result(try await self.commit(plan, for: call), path: path, call: call)
    }

    func impCheck(_ request: Choros_V1_ImpCheckRequest, _ caller: Caller) async throws -> Choros_V1_ImpCheckResponse {
        let unreadOnly = request.hasUnreadOnly ? request.unreadOnly : true
        let messages = try await self.inbox(caller, unreadOnly: unreadOnly)
        return .with {
            $0.messages = messages
            $0.count = UInt32(messages.count)
        }
    }

    func impFlags(_ request: Choros_V1_ImpFlagsRequest, _ caller: Caller) async throws -> Choros_V1_ImpFlagsResponse {
        let unread = try await self.inbox(caller, unreadOnly: true).filter { $0.supersededBy.isEmpty }
        return .with {
            $0.unread = UInt32(unread.count)
            $0.senders = Array(Set(unread.map(\.from))).sorted()
        }
    }

    private func inbox(_ caller: Caller, unreadOnly: Bool) async throws -> [Choros_V1_InboxMessage] {
        try await self.daemons.index.call(
            IndexRPC.inbox,
            .with {
                $0.reader = caller.name
                $0.unreadOnly = unreadOnly
            }
        ).messages
    }

    func impMarkRead(_ arguments: Choros_V1_ImpMarkReadArgs, _ call: WriteCall) async throws -> Choros_V1_WriteResult {
        let path = try Self.entryPath(arguments.messagePath, argument: "message_path")
        let inbox = try await self.inbox(call.caller, unreadOnly: false)
        guard
            let message = inbox.first(where: {
                $0.path == path && (arguments.senderRef.isEmpty || $0.ref == arguments.senderRef)
            })
        else {
            throw Refusal(.impMarkReadMessage, .notFound, "\(path) is not a message in your inbox")
        }
        var result = Choros_V1_WriteResult.with {
            $0.ref = message.ref
            $0.path = path
            $0.opID = call.key
            $0.signedOpID = call.opID
            $0.author = call.caller.name
        }
        if try await self.originalEvent(of: call) != nil {
            result.replayed = true
            return result
        }
        if message.isRead {
            result.already = true
            return result
        }
        try await self.daemons.audit.append(self.auditEvent(call, ref: message.ref, path: path))
        return result
    }

    // MARK: vantages

    func vapRecord(_ arguments: Choros_V1_VapRecordArgs, _ call: WriteCall) async throws -> Choros_V1_WriteResult {
        let binds = try Self.entryPath(arguments.binds, argument: "binds")
        let kind = arguments.kind.isEmpty ? "confirmed" : arguments.kind
        let authors = try await self.daemons.index.call(IndexRPC.authorsOf, .with { $0.path = binds }).authors
        guard !authors.isEmpty else {
            throw Refusal(.vapRecordBinds, .notFound, "binds '\(binds)' names no entry on any ref")
        }
        let me = call.caller.record.name.folded
        if kind == "confirmed", !authors.contains(where: { $0.lowercased() == me }) {
            throw Refusal(
                .vapRecordDignity,
                .permissionDenied,
                "'\(binds)' is authored by \(authors.joined(separator: ", ")), not you: record it as 'reconstructed'"
            )
        }
        let path = "vantages/\(call.key).md"
        do { _ = try EntryPath(path) } catch {
            throw Refusal.input("op_id '\(call.key)' cannot name a vantage: \(error)")
        }
        var fields = EntryFields(type: "vap", title: arguments.title.isEmpty ? "vantage on \(binds)" : arguments.title)
        fields.extra = [("binds", .scalar(binds)), ("horizon", .scalar(arguments.horizon)), ("kind", .scalar(kind))]
        if kind == "reconstructed" {
            fields.extra.append(("stamp", .scalar("reconstructed-by-\(call.caller.name)-from-record")))
        }
        let vantage = fields
        let plan = PlannedCommit(
            ref: call.caller.perspective,
            subject: "VAP \(path)",
            primary: { stamps in Self.change(path, try vantage.render(body: "", stamps: stamps)) }
        )
        return Self.result(try await self.commit(plan, for: call), path: path, call: call)
    }

    func vapFor(_ request: Choros_V1_VapForRequest, _ caller: Caller) async throws -> Choros_V1_VapForResponse {
        let given = [request.entry, request.author, request.canonState].filter { !$0.isEmpty }.count
        guard given == 1 else {
            throw Refusal.input("give exactly one of 'entry', 'author' or 'canon_state' (got \(given))")
        }
        guard ["", "pointer", "full"].contains(request.detail) else {
            throw Refusal.input("detail must be 'pointer' or 'full', got '\(request.detail)'")
        }
        let limit = request.hasLimit ? request.limit : 16
        guard (1...100).contains(limit) else { throw Refusal.input("limit must be 1...100, got \(limit)") }
        let response = try await self.daemons.index.call(
            IndexRPC.vantages,
            .with {
                $0.entry = request.entry.isEmpty ? "" : Self.withMarkdownExtension(request.entry)
                $0.author = request.author
                $0.canonState = request.canonState
                $0.limit = limit
                $0.offset = request.offset
            }
        )
        return .with {
            $0.vantages = response.vantages
            $0.count = response.count
            $0.total = response.total
            $0.truncated = response.truncated
        }
    }
}
