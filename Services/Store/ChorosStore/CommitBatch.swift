internal import CGit2
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import CoreMetrics
internal import Foundation

/// The commits of one writer turn (group commit). Their objects are written without a sync
/// each, then the filesystem is synced once; only then do their refs move and their op-index
/// lines go down, synced once more. So a ref never points at an object a crash could lose, and
/// a commit is acknowledged only once both are durable. A registry change is published before
/// the next job is staged, so that job is authorized against it.
struct CommitBatch {
    let store: GitStore
    let repository: GitRepository

    private struct Staged {
        let position: Int
        let ref: String
        let from: GitOID?
        let entry: OpIndex.Entry
    }

    /// Refs as this batch has moved them, not yet on disk.
    private var tips: [String: GitOID?] = [:]
    private var staged: [Staged] = []
    private var failures: [Int: any Error] = [:]
    /// A replay of a commit staged earlier in this batch stands or falls with it.
    private var replaysOfStaged: [Int: Int] = [:]

    init(store: GitStore, repository: GitRepository) {
        self.store = store
        self.repository = repository
    }

    mutating func run(_ jobs: [CommitJob]) -> [Result<CommitResult, any Error>] {
        // The batch syncs the filesystem itself; libgit2's fsync per file and directory would
        // cost a sync per object. Writes run on one thread, so nothing else writes meanwhile.
        choros_git_enable_fsync(0)
        choros_git_pack_rescan(self.repository.pointer, 0)
        defer {
            choros_git_pack_rescan(self.repository.pointer, 1)
            choros_git_enable_fsync(1)
        }
        var results: [Result<CommitResult, any Error>] = []
        for (position, job) in jobs.enumerated() {
            results.append(Result { try self.stage(job, at: position) })
            if job.request.ref == WriteAuthority.registryRef { self.publish() }
        }
        self.publish()
        let registryTip = try? self.repository.target(ofRef: WriteAuthority.registryRef)
        return results.enumerated().map { position, result in
            if let failure = self.failures[position] ?? self.replaysOfStaged[position].flatMap({ self.failures[$0] }) {
                return .failure(failure)
            }
            return result.map { result in
                var result = result
                result.registryTip = registryTip
                return result
            }
        }
    }

    private mutating func stage(_ job: CommitJob, at position: Int) throws -> CommitResult {
        let request = job.request
        if let original = self.original(opID: request.opID, key: request.requestKey, ref: request.ref) {
            if let staged = self.staged.first(where: { $0.entry == original }) {
                self.replaysOfStaged[position] = staged.position
            }
            return try self.store.replay(job, original: original, repository: self.repository)
        }
        let tip = try self.tip(of: request.ref)
        let (result, entry) = try self.store.stage(job, tip: tip, repository: self.repository)
        self.tips[request.ref] = .some(result.commit)
        self.staged.append(Staged(position: position, ref: request.ref, from: tip, entry: entry))
        return result
    }

    /// The commit that already carries this op id (or request key on this ref), on disk or
    /// staged earlier in this batch.
    private func original(opID: String, key: String, ref: String) -> OpIndex.Entry? {
        let index = self.store.index
        if !opID.isEmpty,
            let entry = index.entry(forOpID: opID) ?? self.staged.first(where: { $0.entry.opID == opID })?.entry
        {
            return entry
        }
        guard !key.isEmpty else { return nil }
        return index.entry(forKey: key, on: ref)
            ?? self.staged.first(where: { $0.entry.key == key && $0.ref == ref })?.entry
    }

    private func tip(of ref: String) throws -> GitOID? {
        if let moved = self.tips[ref] { return moved }
        return try self.repository.target(ofRef: ref)
    }

    /// Sync, move the staged refs and record their op-index lines, sync again.
    private mutating func publish() {
        let staged = self.staged
        self.staged = []
        self.tips = [:]
        guard !staged.isEmpty else { return }
        Recorder(label: "choros_commit_batch_size").record(staged.count)
        do {
            try self.repository.syncFilesystem()
        } catch {
            for item in staged { self.failures[item.position] = error }
            return
        }
        var broken: Set<String> = []
        for item in staged {
            guard !broken.contains(item.ref) else {
                self.failures[item.position] = StoreError.lostRace(ref: item.ref)
                continue
            }
            do {
                try self.repository.moveRef(item.ref, to: item.entry.commit, from: item.from)
                try self.store.index.record(item.entry, sync: false)
            } catch {
                self.failures[item.position] = error
                broken.insert(item.ref)
            }
        }
        do {
            try self.repository.syncFilesystem()
        } catch {
            for item in staged where self.failures[item.position] == nil { self.failures[item.position] = error }
        }
    }

}
