internal import CGit2
internal import Foundation
internal import NIOConcurrencyHelpers

/// Which commit each op id — and each request key on each ref — produced, so a retry returns
/// the original commit however much landed since, and across restarts (STORE.md, Commit 2).
///
/// Kept as an append-only file beside the repository, one line per commit. It is also the
/// commit batches' write-ahead record: a batch's lines (each naming the tip its ref moves
/// from) are made durable with its objects by one sync, before any of its refs moves, and the
/// refs are not synced at all. A ref a crash lost is moved forward again at start
/// (`recover(with:)`) from the lines of the last batches, so an acknowledged commit survives
/// a power cut with one sync per batch instead of two.
///
/// Lines:
/// - `commit ref op-id key`: a commit already on its ref (a land, a catch-up);
/// - `commit ref op-id key from`: a batch's commit, written before its ref moves from `from`
///   (`-`: the ref is created);
/// - `commit -`: the batch line of `commit` never took effect (its ref could not move).
///
/// At start the store walks each ref back only to the first commit the file knows (a commit
/// made without a line loses nothing), and a missing file is rebuilt from every ref.
final class OpIndex: Sendable {
    struct Entry: Sendable, Equatable {
        var commit: GitOID
        var ref: String
        var opID: String
        var key: String
    }

    /// A batch's line: the entry and the tip its ref moves from (nil: the ref is created).
    struct Move: Sendable, Equatable {
        var entry: Entry
        var from: GitOID?
    }

    /// How many of the last batch lines `recover(with:)` looks at: every line of the batches
    /// whose refs may not be durable yet (the next batch's sync makes a batch's refs
    /// durable, so that is at most the last batch, which holds at most `GitStore.maxBatch`).
    static let recoveryWindow = 2 * GitStore.maxBatch

    private struct State {
        var byOpID: [String: Entry] = [:]
        var byRefKey: [String: Entry] = [:]
        var known: [GitOID: Entry] = [:]
        /// The last batch lines read at start, oldest first, until `recover(with:)` runs.
        var tail: [Move] = []
    }

    private let state = NIOLockedValueBox(State())
    private let descriptor: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        self.descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard self.descriptor >= 0 else { throw Self.failure("open \(path)") }
        self.state.withLockedValue { state in
            // A torn last line (a crash mid-append) has fewer fields and is skipped: its commit
            // was never acknowledged, and the walk at start finds it again if its ref moved.
            for line in existing.split(separator: "\n") {
                Self.apply(line.split(separator: "\t", omittingEmptySubsequences: false), to: &state)
            }
        }
    }

    deinit {
        close(self.descriptor)
    }

    private static func apply(_ fields: [Substring], to state: inout State) {
        guard let first = fields.first, let commit = GitOID(hex: String(first)) else { return }
        switch fields.count {
        case 2 where fields[1] == "-":
            Self.remove(commit, from: &state)
        case 4, 5:
            let entry = Entry(commit: commit, ref: String(fields[1]), opID: String(fields[2]), key: String(fields[3]))
            Self.insert(entry, into: &state)
            guard fields.count == 5 else { return }
            let from = fields[4] == "-" ? nil : GitOID(hex: String(fields[4]))
            guard fields[4] == "-" || from != nil else { return }
            state.tail.append(Move(entry: entry, from: from))
            if state.tail.count > 2 * Self.recoveryWindow {
                state.tail.removeFirst(state.tail.count - Self.recoveryWindow)
            }
        default:
            return
        }
    }

    var count: Int { self.state.withLockedValue { $0.byOpID.count } }

    func entry(forOpID opID: String) -> Entry? {
        self.state.withLockedValue { $0.byOpID[opID] }
    }

    func entry(forKey key: String, on ref: String) -> Entry? {
        self.state.withLockedValue { $0.byRefKey[ref + "\u{0}" + key] }
    }

    func contains(_ commit: GitOID) -> Bool {
        self.state.withLockedValue { $0.known[commit] != nil }
    }

    /// Appends and fsyncs the line of a commit already on its ref, then makes it visible.
    func record(_ entry: Entry) throws {
        try self.appendText(Self.line(entry, from: nil))
        guard fsync(self.descriptor) == 0 else { throw Self.failure("fsync \(self.path)") }
        self.state.withLockedValue { Self.insert(entry, into: &$0) }
    }

    /// Appends a batch's lines in one write, not synced and not visible yet: the batch syncs
    /// them with its objects, then moves each ref and `publish`es its entry. A failed write
    /// leaves nothing behind, so no line survives for a commit that was refused.
    func append(_ moves: [Move]) throws {
        try self.appendText(moves.map { Self.line($0.entry, from: .some($0.from)) }.joined())
    }

    /// Makes a batch entry visible once its ref has moved.
    func publish(_ entry: Entry) {
        self.state.withLockedValue { Self.insert(entry, into: &$0) }
    }

    /// Marks batch lines whose refs could not move, so no restart moves them either, and syncs
    /// the marks: their writers are told the commits failed.
    func revoke(_ commits: [GitOID]) throws {
        guard !commits.isEmpty else { return }
        try self.appendText(commits.map { "\($0.hex)\t-\n" }.joined())
        guard fsync(self.descriptor) == 0 else { throw Self.failure("fsync \(self.path)") }
        self.state.withLockedValue { state in for commit in commits { Self.remove(commit, from: &state) } }
    }

    /// One write; a failed or short one (a full disk) is cut off again, so no torn line is
    /// left for the next append to join.
    private func appendText(_ text: String) throws {
        let bytes = Array(text.utf8)
        let end = lseek(self.descriptor, 0, SEEK_END)
        let written = bytes.withUnsafeBytes { write(self.descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            let failure =
                written < 0
                ? Self.failure("append \(self.path)")
                : StoreError.git(GitError(operation: "append \(self.path)", code: ENOSPC, message: "short write"))
            if end >= 0 { _ = ftruncate(self.descriptor, end) }
            throw failure
        }
    }

    private static func line(_ entry: Entry, from: GitOID??) -> String {
        let fields = [entry.commit.hex, entry.ref, entry.opID, entry.key] + (from.map { [$0?.hex ?? "-"] } ?? [])
        return fields.joined(separator: "\t") + "\n"
    }

    private static func failure(_ operation: String) -> StoreError {
        .git(GitError(operation: operation, code: errno, message: String(cString: strerror(errno))))
    }

    private static func insert(_ entry: Entry, into state: inout State) {
        state.known[entry.commit] = entry
        if !entry.opID.isEmpty, state.byOpID[entry.opID] == nil { state.byOpID[entry.opID] = entry }
        if !entry.key.isEmpty {
            let refKey = entry.ref + "\u{0}" + entry.key
            if state.byRefKey[refKey] == nil { state.byRefKey[refKey] = entry }
        }
    }

    private static func remove(_ commit: GitOID, from state: inout State) {
        guard let entry = state.known.removeValue(forKey: commit) else { return }
        if state.byOpID[entry.opID]?.commit == commit { state.byOpID[entry.opID] = nil }
        let refKey = entry.ref + "\u{0}" + entry.key
        if state.byRefKey[refKey]?.commit == commit { state.byRefKey[refKey] = nil }
        state.tail.removeAll { $0.entry.commit == commit }
    }

    /// Records every commit reachable from `refs` that the index does not know yet, walking
    /// back from each tip only until known commits. Returns how many were added.
    func catchUp(with repository: GitRepository, refs: [(name: String, oid: GitOID)]) throws -> Int {
        var added = 0
        for (ref, tip) in refs {
            var pending = [tip]
            var seen: Set<GitOID> = []
            while let oid = pending.popLast() {
                guard !self.contains(oid), seen.insert(oid).inserted else { continue }
                let summary = try repository.summary(of: oid)
                try self.record(
                    Entry(
                        commit: oid,
                        ref: ref,
                        opID: summary.trailer("op-id") ?? "",
                        key: summary.trailer("key") ?? ""
                    )
                )
                added += 1
                pending.append(contentsOf: try repository.parents(of: oid))
            }
        }
        return added
    }

    /// Moves each ref the last batches wrote to as far as their lines go, where a crash left
    /// it behind, and revokes the lines that cannot take effect. A line is applied only in
    /// order from the ref's tip and only when its commit's objects are whole: a line can be
    /// durable without them after a power cut during its batch's sync, whose writers were
    /// never answered. Returns the refs moved and the lines revoked.
    func recover(with repository: GitRepository) throws -> (moved: [String], revoked: Int) {
        let tail = self.state.withLockedValue { state in
            defer { state.tail = [] }
            return state.tail.suffix(Self.recoveryWindow)
        }
        var byRef: [String: [Move]] = [:]
        var order: [String] = []
        for move in tail {
            if byRef[move.entry.ref] == nil { order.append(move.entry.ref) }
            byRef[move.entry.ref, default: []].append(move)
        }
        var moved: [String] = []
        var orphans: [GitOID] = []
        for ref in order {
            let (applied, lost) = try Self.recover(ref, moves: byRef[ref] ?? [], repository: repository)
            if applied { moved.append(ref) }
            orphans += lost
        }
        if !moved.isEmpty { try repository.syncFilesystem() }
        try self.revoke(orphans)
        return (moved, orphans.count)
    }

    private static func recover(
        _ ref: String,
        moves: [Move],
        repository: GitRepository
    ) throws -> (applied: Bool, lost: [GitOID]) {
        var tip: GitOID?
        do {
            tip = try repository.target(ofRef: ref)
        } catch is StoreError where moves.first?.from == nil {
            // Created by these batches, unsynced: a power cut can leave its file empty.
            unlink(repository.path + "/" + ref)
        }
        let start =
            moves.lastIndex { $0.entry.commit == tip }.map { $0 + 1 }
            ?? moves.firstIndex { $0.from == tip }
            ?? moves.count
        // The lines before `start` that chain back from the tip are on the ref; any other (the
        // ref moved by hand) is checked.
        var chained: Set<GitOID> = []
        var expected = tip
        for move in moves[..<start].reversed() where move.entry.commit == expected {
            chained.insert(move.entry.commit)
            expected = move.from
        }
        var lost: [GitOID] = []
        for move in moves[..<start] where !chained.contains(move.entry.commit) {
            if let tip, try repository.isAncestor(move.entry.commit, of: tip) { continue }
            lost.append(move.entry.commit)
        }
        var applied = false
        for (offset, move) in moves[start...].enumerated() {
            guard move.from == tip, repository.isWhole(move.entry.commit, parent: move.from) else {
                lost += moves[(start + offset)...].map(\.entry.commit)
                break
            }
            try repository.moveRef(ref, to: move.entry.commit, from: tip)
            tip = move.entry.commit
            applied = true
        }
        return (applied, lost)
    }
}
