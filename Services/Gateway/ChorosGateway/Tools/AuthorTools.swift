internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

extension Gateway {
    // MARK: kip_commit

    func kipCommit(_ arguments: Choros_V1_KipCommitArgs, _ call: WriteCall) async throws -> Choros_V1_WriteResult {
        let path = "\(arguments.domain)/\(arguments.slug).md"
        let top = arguments.domain.split(separator: "/").first.map(String.init) ?? ""
        if top == "messages" { throw Refusal.lane("'\(path)' is a message path: send messages with imp_send") }
        if top == "vantages" {
            throw Refusal.lane("'\(path)' is a vantage path: record vantages with vap_record")
        }
        if path.hasPrefix("state/reconciled-") {
            throw Refusal.lane("'\(path)' is a reconciliation: only sup_reconcile writes state/reconciled-*")
        }
        let fields = EntryFields(arguments)
        let body = arguments.body
        let perspective = call.caller.perspective
        let plan = PlannedCommit(
            ref: perspective,
            subject: "KIP \(path)",
            primary: { stamps in Self.change(path, try fields.render(body: body, stamps: stamps)) },
            prepare: { tip, primary in
                guard let tip else { return [] }
                if let primary { try await self.checkImmutable(path: path, at: tip, new: primary) }
                return try await self.supersessionFlip(of: fields.supersedes, by: path, at: tip)
            }
        )
        let outcome = try await self.commit(plan, for: call)
        return Self.result(outcome, path: path, call: call)
    }

    /// An entry's body never changes; the one allowed edit of an existing path is the flip to
    /// `status: superseded` with `superseded_by`.
    private func checkImmutable(path: String, at tip: String, new: Choros_V1_FileChange) async throws {
        guard let existingText = try await self.backends.text(tip, path) else { return }
        let existing = try? Entry(parsing: existingText)
        let incoming = try? Entry(parsing: String(decoding: new.content, as: UTF8.self))
        guard let existing, let incoming, existing.body == incoming.body else {
            throw Refusal(
                "kip_commit.immutable",
                .failedPrecondition,
                "'\(path)' exists with a different body: body is immutable — supersede to a new slug"
            )
        }
        var flipped = existing
        try flipped.set("status", .scalar("superseded"))
        if let successor = incoming.scalar("superseded_by") { try flipped.set("superseded_by", .scalar(successor)) }
        try flipped.set("canon_state", incoming["canon_state"] ?? .scalar(""))
        let isFlip = incoming.scalar("status") == "superseded" && incoming.scalar("superseded_by") != nil
        guard incoming == existing || (isFlip && Self.sameFields(incoming, flipped)) else {
            throw Refusal(
                "kip_commit.immutable",
                .failedPrecondition,
                "'\(path)' exists: only 'status: superseded' with 'superseded_by' may change on it"
            )
        }
    }

    private static func sameFields(_ lhs: Entry, _ rhs: Entry) -> Bool {
        let keys = Set(lhs.fields.map(\.key)).union(rhs.fields.map(\.key))
        return keys.allSatisfy { lhs[$0] == rhs[$0] }
    }

    /// Writing an entry that supersedes one of your own flips the old one's status in the same
    /// commit (a metadata-only change; its body stays).
    func supersessionFlip(of supersedes: String, by path: String, at tip: String) async throws -> [Choros_V1_FileChange]
    {
        guard !supersedes.isEmpty, supersedes != path, let text = try await self.backends.text(tip, supersedes),
            var entry = try? Entry(parsing: text), entry.scalar("status") != "superseded"
        else { return [] }
        try entry.set("status", .scalar("superseded"))
        try entry.set("superseded_by", .scalar(path))
        return [Self.change(supersedes, Data(entry.text.utf8))]
    }

    static func result(_ outcome: CommitOutcome, path: String, call: WriteCall) -> Choros_V1_WriteResult {
        .with {
            $0.oid = outcome.oid
            $0.ref = outcome.ref
            $0.path = path
            $0.opID = call.key
            $0.signedOpID = call.opID
            $0.author = call.caller.name
            $0.replayed = outcome.replayed
            $0.indexPending = outcome.indexPending
        }
    }

    // MARK: reads

    /// `canon` / `main`, an instance name, or a full ref.
    func resolveRef(_ ref: String, caller: Caller) async throws -> String {
        switch ref {
        case "", "canon", "main": return self.canonRef
        case _ where ref.hasPrefix("refs/"): return ref
        default:
            let registry = try await self.registry.current()
            guard let record = registry.record(named: ref) else {
                throw Refusal(
                    "input",
                    .notFound,
                    "no instance named '\(ref)' (refs: canon, an instance name, or refs/...)"
                )
            }
            return Self.perspective(of: record.name.rawValue)
        }
    }

    func kipGet(_ request: Choros_V1_KipGetRequest, _ caller: Caller) async throws -> Choros_V1_KipGetResponse {
        let ref = try await self.resolveRef(request.ref, caller: caller)
        let asked = try Self.entryPath(request.path)
        guard let tip = try await self.backends.tip(of: ref) else {
            throw Refusal("kip_get.ref", .notFound, "\(ref) does not exist")
        }
        let follow = request.resolve.isEmpty || request.resolve == "live"
        var path = asked
        var seen: Set<String> = [asked]
        while true {
            guard let blob = try await self.backends.blob(tip, path) else {
                if path != asked { break }
                throw Refusal("kip_get.path", .notFound, try await self.missMessage(asked, ref: ref))
            }
            let text = String(decoding: blob.content, as: UTF8.self)
            let entry = try? Entry(parsing: text)
            if follow, seen.count <= 10, let next = entry?.scalar("superseded_by").map(Self.withMarkdownExtension),
                !seen.contains(next), try await self.backends.exists(tip, next)
            {
                seen.insert(next)
                path = next
                continue
            }
            return .with {
                $0.text = text
                $0.path = path
                $0.ref = ref
                $0.status = entry?.scalar("status") ?? "active"
                $0.title = entry?.scalar("title") ?? Self.slug(of: path)
                $0.type = entry?.scalar("type") ?? "kno"
                $0.resolvedFrom = path == asked ? "" : asked
                $0.oid = blob.blobOid
            }
        }
        throw Refusal("kip_get.path", .notFound, "\(asked) on \(ref) could not be resolved")
    }

    /// "not on X; it exists on A, B": names the refs where the path does exist.
    private func missMessage(_ path: String, ref: String) async throws -> String {
        let authors = try await self.backends.index.call(IndexRPC.authorsOf, .with { $0.path = path }).authors
        var places: [String] = []
        if try await self.backends.exists(self.canonRef, path) { places.append("canon") }
        places += authors.filter { $0 != "canon" }
        let elsewhere = places.isEmpty ? "" : "; it exists on: \(places.joined(separator: ", "))"
        return "\(path) is not on \(ref)\(elsewhere)"
    }

    static func slug(of path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name.hasSuffix(".md") ? String(name.dropLast(3)) : name
    }

    func listEntries(
        _ request: Choros_V1_ListEntriesRequest,
        _ caller: Caller
    ) async throws
        -> Choros_V1_ListEntriesResponse
    {
        let ref = try await self.resolveRef(request.ref, caller: caller)
        let prefix = request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        let entries = try await self.pointers(ref, under: prefix)
        return .with {
            $0.ref = ref
            $0.entries = entries
        }
    }

    /// Pointers under a ref, read from the files at its tip.
    func pointers(
        _ ref: String,
        under prefix: String = "",
        excludingPrivate: Bool = false
    ) async throws
        -> [Choros_V1_EntryPointer]
    {
        guard let tip = try await self.backends.tip(of: ref) else { return [] }
        var pointers: [Choros_V1_EntryPointer] = []
        for path in try await self.backends.paths(tip, under: prefix) where path.hasSuffix(".md") {
            if excludingPrivate, path.hasPrefix("messages/") || path.hasPrefix("vantages/") { continue }
            pointers.append(try await self.pointer(tip, path))
        }
        return pointers
    }

    func pointer(_ rev: String, _ path: String) async throws -> Choros_V1_EntryPointer {
        let entry = try await self.backends.text(rev, path).flatMap { try? Entry(parsing: $0) }
        return .with {
            $0.path = path
            $0.title = entry?.scalar("title") ?? Self.slug(of: path)
            $0.type = entry?.scalar("type") ?? "kno"
            $0.status = entry?.scalar("status") ?? "active"
        }
    }

    func myPerspective(
        _ request: Choros_V1_MyPerspectiveRequest,
        _ caller: Caller
    ) async throws
        -> Choros_V1_MyPerspectiveResponse
    {
        let entries = try await self.pointers(caller.perspective)
        let tip = try await self.backends.tip(of: caller.perspective) ?? ""
        return .with {
            $0.ref = caller.perspective
            $0.tip = tip
            $0.entries = entries
        }
    }

    func kipHistory(
        _ request: Choros_V1_KipHistoryRequest,
        _ caller: Caller
    ) async throws
        -> Choros_V1_KipHistoryResponse
    {
        let ref = try await self.resolveRef(request.ref, caller: caller)
        let path = try Self.entryPath(request.path)
        let versions = try await self.backends.history(ref, path: path, limit: 100)
        return .with {
            $0.ref = ref
            $0.path = path
            $0.versions = versions.map { entry in
                .with {
                    $0.oid = entry.oid
                    $0.author = entry.author
                    $0.subject = entry.subject
                    $0.timeMs = entry.timeMs
                }
            }
        }
    }
}
