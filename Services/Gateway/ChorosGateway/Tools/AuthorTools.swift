internal import ChorosClients
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
        let change = Self.change(
            path,
            try fields.render(body: arguments.body, stamps: try await self.stamps(for: call.caller))
        )
        let rules = Choros_V1_EntryRules.with {
            $0.immutableBodies = true
            $0.supersede = fields.supersedes
        }
        let outcome = try await self.commitAtTip(
            call.caller.perspective,
            subject: "KIP \(path)",
            change,
            rules: rules,
            for: call
        )
        return Self.result(outcome, path: path, call: call)
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
            // The caller's check just read the registry: its snapshot is current.
            let snapshot = self.registry.snapshot?.registry
            let registry: InstanceRegistry
            if let snapshot { registry = snapshot } else { registry = try await self.registry.current() }
            guard let record = registry.record(named: ref) else {
                throw Refusal(
                    .input,
                    .notFound,
                    "no instance named '\(ref)' (refs: canon, an instance name, or refs/...)"
                )
            }
            return Self.perspective(of: record.name.rawValue)
        }
    }

    /// One store read for the entry (the ref resolved there, its commit pinned for the rest),
    /// and one more per `superseded_by` followed.
    func kipGet(_ request: Choros_V1_KipGetRequest, _ caller: Caller) async throws -> Choros_V1_KipGetResponse {
        let ref = try await self.resolveRef(request.ref, caller: caller)
        let asked = try Self.entryPath(request.path)
        var blob: Choros_V1_ReadBlobResponse
        do {
            blob = try await self.daemons.store.call(
                StoreRPC.readBlob,
                .with {
                    $0.rev = ref
                    $0.path = asked
                }
            )
        } catch let error as RPCError where error.code == .notFound {
            // No registry tip came back: the caller is checked against the registry as it is.
            _ = try await self.enrolledRecord(for: caller.record.author)
            if error.details["kind"] == "ref" { throw Refusal(.kipGetRef, .notFound, "\(ref) does not exist") }
            throw Refusal(.kipGetPath, .notFound, try await self.missMessage(asked, ref: ref))
        }
        try await self.recheck(caller, registryTip: blob.registryTip)
        let tip = blob.commitOid
        let follow = request.resolve.isEmpty || request.resolve == "live"
        var path = asked
        var seen: Set<String> = [asked]
        while true {
            let text = String(decoding: blob.content, as: UTF8.self)
            let entry = try? Entry(parsing: text)
            if follow, seen.count <= 10, let next = entry?.scalar("superseded_by").map(Self.withMarkdownExtension),
                !seen.contains(next), let successor = try await self.daemons.store.blob(tip, next)
            {
                seen.insert(next)
                path = next
                blob = successor
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
    }

    /// "not on X; it exists on A, B": names the refs where the path does exist.
    private func missMessage(_ path: String, ref: String) async throws -> String {
        let authors = try await self.daemons.index.call(IndexRPC.authorsOf, .with { $0.path = path }).authors
        var places: [String] = []
        if try await self.daemons.store.exists(self.canonRef, path) { places.append("canon") }
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
        let entries = try await self.pointers(ref, under: prefix).pointers
        return .with {
            $0.ref = ref
            $0.entries = entries
        }
    }

    /// Pointers under a ref at its tip: the tree listing (with blob ids) and the index's rows
    /// of that ref, asked at once; a file is read only when the index does not hold its blob
    /// (an unindexed ref such as a proposal, a row still pending, or the index down).
    func pointers(
        _ ref: String,
        under prefix: String = "",
        excludingPrivate: Bool = false
    ) async throws
        -> (tip: String, pointers: [Choros_V1_EntryPointer])
    {
        async let listed = self.daemons.store.files(ref, under: prefix)
        async let indexed = try? self.daemons.index.call(
            IndexRPC.pointers,
            .with {
                $0.ref = ref
                $0.prefix = prefix
            }
        ).pointers
        guard let listing = try await listed else { return ("", []) }
        let rows = Dictionary((await indexed ?? []).map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var pointers: [Choros_V1_EntryPointer] = []
        for (path, oid) in zip(listing.paths, listing.blobOids) where path.hasSuffix(".md") {
            if excludingPrivate, path.hasPrefix("messages/") || path.hasPrefix("vantages/") { continue }
            if let row = rows[path], row.blobOid == oid {
                pointers.append(
                    .with {
                        $0.path = path
                        $0.title = row.title
                        $0.type = row.type
                        $0.status = row.status
                    }
                )
            } else {
                pointers.append(try await self.pointer(listing.commitOid, path))
            }
        }
        return (listing.commitOid, pointers)
    }

    func pointer(_ rev: String, _ path: String) async throws -> Choros_V1_EntryPointer {
        let entry = try await self.daemons.store.text(rev, path).flatMap { try? Entry(parsing: $0) }
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
        let (tip, entries) = try await self.pointers(caller.perspective)
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
        let versions = try await self.daemons.store.history(ref, path: path, limit: 100)
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
