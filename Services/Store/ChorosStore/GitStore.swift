internal import ChorosCore
internal import Foundation
internal import NIOConcurrencyHelpers

/// The store's operations over the repository: validation before any git call, idempotency
/// by op id and request key, and each job on the right thread pool.
package final class GitStore: Sendable {
    let configuration: StoreConfiguration
    let pool: RepositoryPool
    let index: OpIndex
    let registryCache = NIOLockedValueBox<(tip: GitOID, registry: InstanceRegistry)?>(nil)
    let commits = GroupCommit<CommitJob, CommitResult>()
    /// Ref locks a killed predecessor left, removed before the repository opened.
    package let clearedLocks: [String]
    private let lock: ProcessLock

    /// Takes the repository's lock (one store per repository), clears the ref locks a killed
    /// store left, opens or creates the repository, and brings the op-id index up to date with
    /// every ref.
    ///
    /// - Throws: `ProcessLockError.held` naming the other store's pid.
    package init(configuration: StoreConfiguration) throws {
        try FileManager.default.createDirectory(atPath: configuration.gitDirectory, withIntermediateDirectories: true)
        self.lock = try ProcessLock(path: configuration.gitDirectory + "/choros-store.lock")
        self.clearedLocks = StaleLocks.clear(in: configuration.gitDirectory)
        self.configuration = configuration
        self.pool = try RepositoryPool(path: configuration.gitDirectory, canonRef: configuration.canonRef)
        self.index = try OpIndex(path: configuration.gitDirectory + "/choros-op-index")
        let index = self.index
        _ = try self.pool.withHandle { repository in
            try index.catchUp(with: repository, refs: try repository.references(withPrefix: "refs/"))
        }
    }

    package func shutdown() async {
        await self.pool.shutdown()
    }

    static func validate(_ path: String) throws -> EntryPath {
        do { return try EntryPath(path) } catch { throw StoreError.invalidPath(error) }
    }

    /// A ref a commit may target: a branch, a `refs/cap/` ref or a `refs/backup/` ref (the
    /// mirror's audit snapshot), never canon.
    func validateWritable(_ ref: String) throws {
        guard ref != self.configuration.canonRef else { throw StoreError.canonIsLandOnly(ref) }
        guard ["refs/heads/", "refs/cap/", "refs/backup/"].contains(where: ref.hasPrefix) else {
            throw StoreError.invalidRef(ref, reason: "commits go to refs/heads/, refs/cap/ or refs/backup/")
        }
        guard Self.isValidReferenceName(ref) else {
            throw StoreError.invalidRef(ref, reason: "not a valid reference name")
        }
    }

    static func isValidReferenceName(_ ref: String) -> Bool {
        let components = ref.split(separator: "/", omittingEmptySubsequences: false)
        return components.count >= 3 && !ref.hasSuffix(".lock") && !ref.contains("..")
            && components.allSatisfy { !$0.isEmpty && !$0.hasPrefix(".") }
            && !ref.unicodeScalars.contains {
                $0.value < 0x21 || $0.value == 0x7F || "~^:?*[\\".unicodeScalars.contains($0)
            }
    }

    static func oid(_ text: String, field: String) throws -> GitOID {
        guard let oid = GitOID(hex: text) else {
            throw StoreError.invalidRef(text, reason: "\(field) must be 40 lowercase hex digits")
        }
        return oid
    }

    /// Health figures: ref count, canon tip and seq, op-id index size.
    package func figures() async -> [String: String] {
        let canonRef = self.configuration.canonRef
        let refs = (try? await self.pool.read { try $0.references(withPrefix: "refs/") }) ?? []
        let canon = refs.first { $0.name == canonRef }?.oid.hex ?? "none"
        let seq = refs.compactMap {
            $0.name.hasPrefix("refs/tags/state/") ? Int($0.name.dropFirst(16), radix: 16) : nil
        }.max()
        return [
            "refs": String(refs.count),
            "canon": canon,
            "seq": seq.map { String($0, radix: 16) } ?? "none",
            "op_index": String(self.index.count),
            "libgit2": GitLibrary.version,
            "commits_per_turn": String(format: "%.2f", self.commits.meanBatchSize),
        ]
    }
}
