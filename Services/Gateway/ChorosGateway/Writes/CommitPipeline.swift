internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import Logging
internal import SwiftProtobuf

/// What the gateway stamps on an entry server-side, never taken from the caller.
struct Stamps: Sendable, Equatable {
    /// The author's canon cursor as a seq ("3c"), or empty before the first pull.
    var canonState: String
}

/// One git write of a tool: where it goes and how its files are rendered from the stamps.
struct PlannedCommit: Sendable {
    var ref: String
    var subject: String
    /// Where a new ref starts (a proposal opens at canon's tip); `nil` makes a root commit.
    var createAt: String?
    /// The tool's own file, rendered per attempt, and again on a replay with the original's
    /// stamps to compare with what was committed; `nil` for a commit of no file (a tombstone).
    var primary: @Sendable (Stamps) throws -> Choros_V1_FileChange?
    /// The tool's guards, re-run against the ref's tip before each attempt (throw a refusal to
    /// stop), returning any companion changes (the flip of a superseded entry).
    var prepare: @Sendable (_ tip: String?, _ primary: Choros_V1_FileChange?) async throws -> [Choros_V1_FileChange] =
        { _, _ in [] }
    /// Proposals are never indexed.
    var indexed: Bool = true
}

struct CommitOutcome: Sendable {
    var oid: String
    var ref: String
    var paths: [String]
    var replayed: Bool
    var indexPending: Bool
}

extension Gateway {
    /// Git first, then audit, then index (ARCHITECTURE.md, "Write path"), idempotent by the
    /// signed op's id and by the caller's request key on the ref.
    func commit(_ plan: PlannedCommit, for call: WriteCall) async throws -> CommitOutcome {
        if let original = try await self.findCommit(of: call, on: plan.ref) {
            return try await self.replay(plan, original: original, for: call)
        }
        var attempt = 0
        while true {
            attempt += 1
            let tip = try await self.daemons.store.tip(of: plan.ref)
            let primary = try plan.primary(try await self.stamps(for: call.caller))
            let changes = [primary].compactMap { $0 } + (try await plan.prepare(tip, primary))
            do {
                let response = try await self.storeCommit(plan, changes: changes, tip: tip, call: call)
                try FaultInjection.trigger(.afterCommit)
                try FaultInjection.trigger(.auditLostAfterCommit)
                try await self.daemons.audit.append(
                    self.auditEvent(call, ref: plan.ref, path: changes.first?.path ?? "", resultOID: response.commitOid)
                )
                let paths = changes.map(\.path)
                let pending =
                    plan.indexed
                    ? await self.index(ref: plan.ref, paths: paths, advance: .init(ref: plan.ref, after: response))
                    : false
                return CommitOutcome(
                    oid: response.commitOid,
                    ref: plan.ref,
                    paths: paths,
                    replayed: response.replayed,
                    indexPending: pending
                )
            } catch let error as RPCError where error.code == .aborted && attempt < 2 {
                continue  // the ref moved: re-run the guards against the new tip, once
            }
        }
    }

    private func storeCommit(
        _ plan: PlannedCommit,
        changes: [Choros_V1_FileChange],
        tip: String?,
        call: WriteCall
    ) async throws -> Choros_V1_CommitResponse {
        var parent = tip ?? ""
        if tip == nil, let base = plan.createAt {
            do {
                _ = try await self.daemons.store.call(
                    StoreRPC.createBranch,
                    .with {
                        $0.ref = plan.ref
                        $0.oid = base
                    }
                )
            } catch let error as RPCError where error.code == .alreadyExists {
                throw RPCError(code: .aborted, message: "\(plan.ref) was created concurrently")
            }
            parent = base
        }
        return try await self.daemons.store.call(
            StoreRPC.commit,
            .with {
                $0.ref = plan.ref
                $0.changes = changes
                $0.subject = plan.subject
                $0.author = call.caller.name
                $0.expectedParent = parent
                $0.opID = call.opID
                $0.requestKey = call.key
                $0.op = call.operation.proto
            },
            options: CallOptions(timeout: .seconds(30))
        )
    }

    /// The commit this op (or this request key on this ref) already produced, if any.
    private func findCommit(of call: WriteCall, on ref: String) async throws -> Choros_V1_FindOpResponse? {
        var lookups: [Choros_V1_FindOpRequest] = [.with { $0.opID = call.opID }]
        if !call.key.isEmpty {
            lookups.append(
                .with {
                    $0.ref = ref
                    $0.requestKey = call.key
                }
            )
        }
        for lookup in lookups {
            do {
                let found = try await self.daemons.store.call(StoreRPC.findOp, lookup)
                if found.ref == ref { return found }
            } catch let error as RPCError where error.code == .notFound {
                continue
            }
        }
        return nil
    }

    /// A retry: the same content returns the original result and writes nothing; different
    /// content under the same key is refused. A crash may have cut the original short, so
    /// the audit event and the index row are completed here if missing.
    private func replay(
        _ plan: PlannedCommit,
        original: Choros_V1_FindOpResponse,
        for call: WriteCall
    ) async throws -> CommitOutcome {
        let stamps = try await self.originalStamps(plan, at: original.commitOid)
        let change = try plan.primary(stamps)
        var same = true
        if let change {
            let committed = try await self.daemons.store.blob(original.commitOid, change.path)
            same = change.delete ? committed == nil : committed?.content == change.content
        }
        guard same else {
            throw Refusal(
                .idempotency,
                .alreadyExists,
                "op_id '\(call.key.isEmpty ? call.opID : call.key)' already names a different act (commit \(original.commitOid.prefix(12)) on \(plan.ref))"
            )
        }
        if try await self.daemons.audit.events(opID: original.opID).isEmpty {
            var event = self.auditEvent(call, ref: plan.ref, path: change?.path ?? "", resultOID: original.commitOid)
            event.opID = original.opID
            event.detail = Data(CanonicalJSON.encode(["recovered_by": "retry"]))
            // The event is the original act's: its envelope is the one the commit carries, not
            // this retry's (a client retrying by request key signs a new op each time).
            event.envelope = original.envelope
            try await self.daemons.audit.append(event)
        }
        let paths = [change?.path].compactMap { $0 }
        let pending = plan.indexed ? await self.index(ref: plan.ref, paths: paths) : false
        return CommitOutcome(
            oid: original.commitOid,
            ref: plan.ref,
            paths: paths,
            replayed: true,
            indexPending: pending
        )
    }

    /// The stamps the original commit carried, read back from its first file.
    private func originalStamps(_ plan: PlannedCommit, at commit: String) async throws -> Stamps {
        guard let probe = try plan.primary(Stamps(canonState: "")), !probe.delete,
            let text = try await self.daemons.store.text(commit, probe.path),
            let entry = try? Entry(parsing: text)
        else { return Stamps(canonState: "") }
        return Stamps(canonState: entry.scalar("canon_state") ?? "")
    }

    /// The caller's stamps now: its canon cursor's seq.
    func stamps(for caller: Caller) async throws -> Stamps {
        Stamps(canonState: try await self.cursor(of: caller.name)?.seq ?? "")
    }

    /// The one-round-trip write (kip_commit's): a single store Commit replays a known op,
    /// checks the entry rules against the tip it commits on and verifies the signed op; then
    /// one audit append (idempotent by op id, ref and envelope, so a replay completes an event a
    /// crash cut short) and one index upsert carrying what the store wrote.
    func commitAtTip(
        _ ref: String,
        subject: String,
        _ change: Choros_V1_FileChange,
        rules: Choros_V1_EntryRules,
        for call: WriteCall
    ) async throws -> CommitOutcome {
        let response: Choros_V1_CommitResponse
        do {
            response = try await self.commitAtTipCall(ref, subject: subject, change, rules: rules, for: call)
        } catch let error as RPCError where error.code == .permissionDenied {
            // The store's own check refused the signer: the snapshot the gateway authorized
            // against is stale, so it is read again before the next call relies on it.
            _ = try? await self.registry.current()
            throw error
        }
        try FaultInjection.trigger(.afterCommit)
        try FaultInjection.trigger(.auditLostAfterCommit)
        await self.noteRegistryTip(response.registryTip)
        // A replay names the original op and its envelope: appending it again is a no-op for
        // the log, or completes an event a crash cut short; a retry is never a second act.
        var event = self.auditEvent(
            call,
            ref: ref,
            path: change.path,
            resultOID: response.commitOid,
            detail: response.replayed ? ["recovered_by": "retry"] : [:]
        )
        if !response.opID.isEmpty {
            event.opID = response.opID
            event.envelope = response.envelope
        }
        // The audit event and the index row both follow from the commit and not from each
        // other: they are written at once. (An index row for a commit whose event a crash
        // lost is still git's truth; reconcile backfills the event.)
        async let audited = self.daemons.audit.append(event)
        let blobs = Dictionary(response.blobs.map { ($0.path, $0.blobOid) }, uniquingKeysWith: { first, _ in first })
        let targets = response.written.map { file in
            Choros_V1_IndexTarget.with {
                $0.ref = ref
                $0.path = file.path
                if !file.delete, let oid = blobs[file.path], !oid.isEmpty {
                    $0.content = file.content
                    $0.blobOid = oid
                }
            }
        }
        let pending = await self.index(targets, advance: .init(ref: ref, after: response))
        _ = try await audited
        return CommitOutcome(
            oid: response.commitOid,
            ref: ref,
            paths: response.written.map(\.path),
            replayed: response.replayed,
            indexPending: pending
        )
    }

    private func commitAtTipCall(
        _ ref: String,
        subject: String,
        _ change: Choros_V1_FileChange,
        rules: Choros_V1_EntryRules,
        for call: WriteCall
    ) async throws -> Choros_V1_CommitResponse {
        try await self.daemons.store.call(
            StoreRPC.commit,
            .with {
                $0.ref = ref
                $0.changes = [change]
                $0.subject = subject
                $0.author = call.caller.name
                $0.atTip = true
                $0.rules = rules
                $0.opID = call.opID
                $0.requestKey = call.key
                $0.op = call.operation.proto
            },
            options: CallOptions(timeout: .seconds(30))
        )
    }

    /// A store answer named the registry tip it verified against: a snapshot keyed by another
    /// tip is re-read now, so the next call authorizes against the registry as it is.
    func noteRegistryTip(_ tip: String) async {
        guard !tip.isEmpty, self.registry.snapshot?.tip != tip else { return }
        _ = try? await self.registry.registry(at: tip)
    }

    func index(ref: String, paths: [String], advance: Choros_V1_RefAdvance? = nil) async -> Bool {
        await self.index(
            paths.map { path in
                .with {
                    $0.ref = ref
                    $0.path = path
                }
            },
            advance: advance
        )
    }

    /// Upserts the index rows; an index outage never fails a write that git and the audit
    /// log already hold, and costs a write at most two seconds. Returns whether the row is
    /// pending: it is then sent again in the background (`IndexRetries`) until the index takes
    /// it; the advance makes a late copy harmless, and a restarted index catches up by itself.
    func index(_ targets: [Choros_V1_IndexTarget], advance: Choros_V1_RefAdvance? = nil) async -> Bool {
        guard !targets.isEmpty else { return false }
        let request = Choros_V1_UpsertRequest.with {
            $0.targets = targets
            if let advance { $0.advance = advance }
        }
        do {
            _ = try await self.daemons.index.call(IndexRPC.upsert, request, options: CallOptions(timeout: .seconds(2)))
            return false
        } catch {
            self.logger.warning(
                "index upsert failed; it is retried in the background",
                metadata: ["ref": "\(targets.first?.ref ?? "")", "error": "\(error)"]
            )
            await self.indexRetries.schedule(request, ref: targets.first?.ref ?? "", through: self.daemons.index)
            return true
        }
    }
}

extension Choros_V1_RefAdvance {
    /// The move a commit made, as its store response tells it.
    init(ref: String, after commit: Choros_V1_CommitResponse) {
        self.init()
        self.ref = ref
        self.fromOid = commit.parentOid
        self.toOid = commit.commitOid
    }
}
