internal import CGit2
internal import Foundation
internal import NIOConcurrencyHelpers

/// Which commit each op id — and each request key on each ref — produced, so a retry returns
/// the original commit however much landed since, and across restarts (STORE.md, Commit 2).
///
/// Kept as an append-only file beside the repository, one line per commit. It is a cache of
/// the commit trailers: at start the store walks each ref back only to the first commit the
/// file knows (a crash between the ref update and the append loses nothing), and a missing
/// file is rebuilt from every ref.
final class OpIndex: Sendable {
    struct Entry: Sendable, Equatable {
        var commit: GitOID
        var ref: String
        var opID: String
        var key: String
    }

    private struct State {
        var byOpID: [String: Entry] = [:]
        var byRefKey: [String: Entry] = [:]
        var known: Set<GitOID> = []
    }

    private let state = NIOLockedValueBox(State())
    private let descriptor: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        self.descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard self.descriptor >= 0 else {
            throw StoreError.git(
                GitError(operation: "open \(path)", code: errno, message: String(cString: strerror(errno)))
            )
        }
        self.state.withLockedValue { state in
            // A torn last line (a crash mid-append) has fewer fields and is skipped; the walk
            // at start finds its commit again.
            for line in existing.split(separator: "\n") {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard fields.count == 4, let commit = GitOID(hex: fields[0]) else { continue }
                Self.insert(Entry(commit: commit, ref: fields[1], opID: fields[2], key: fields[3]), into: &state)
            }
        }
    }

    deinit {
        close(self.descriptor)
    }

    var count: Int { self.state.withLockedValue { $0.byOpID.count } }

    func entry(forOpID opID: String) -> Entry? {
        self.state.withLockedValue { $0.byOpID[opID] }
    }

    func entry(forKey key: String, on ref: String) -> Entry? {
        self.state.withLockedValue { $0.byRefKey[ref + "\u{0}" + key] }
    }

    func contains(_ commit: GitOID) -> Bool {
        self.state.withLockedValue { $0.known.contains(commit) }
    }

    /// Appends and fsyncs one commit's line, then makes it visible. `sync: false` is for a
    /// batch whose caller syncs the filesystem once for all its lines.
    func record(_ entry: Entry, sync: Bool = true) throws {
        let line = "\(entry.commit.hex)\t\(entry.ref)\t\(entry.opID)\t\(entry.key)\n"
        let written = line.withCString { write(self.descriptor, $0, strlen($0)) }
        guard written == line.utf8.count, !sync || fsync(self.descriptor) == 0 else {
            throw StoreError.git(
                GitError(operation: "append \(self.path)", code: errno, message: String(cString: strerror(errno)))
            )
        }
        self.state.withLockedValue { Self.insert(entry, into: &$0) }
    }

    private static func insert(_ entry: Entry, into state: inout State) {
        state.known.insert(entry.commit)
        if !entry.opID.isEmpty, state.byOpID[entry.opID] == nil { state.byOpID[entry.opID] = entry }
        if !entry.key.isEmpty {
            let refKey = entry.ref + "\u{0}" + entry.key
            if state.byRefKey[refKey] == nil { state.byRefKey[refKey] = entry }
        }
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
}
