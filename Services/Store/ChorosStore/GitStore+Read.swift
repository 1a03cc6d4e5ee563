internal import ChorosCore
internal import ChorosProto
internal import Foundation
internal import SwiftProtobuf

extension GitStore {
    func resolve(_ rev: String) async throws -> GitOID {
        try await self.pool.read { try $0.resolve(rev) }
    }

    func readBlob(
        rev: String,
        path: String
    ) async throws -> (content: [UInt8], blob: GitOID, commit: GitOID, registryTip: GitOID?) {
        let path = try Self.validate(path).rawValue
        return try await self.pool.read { repository in
            let commit = try repository.resolve(rev)
            let blob = try repository.blob(at: path, commit: commit, rev: rev)
            return (blob.content, blob.oid, commit, try repository.target(ofRef: WriteAuthority.registryRef))
        }
    }

    /// Paths a `ReadBlobs` may name, and the contents it may carry (half a frame, so the
    /// answer always fits one).
    static let maximumReadPaths = 1000

    /// Many files of one commit under one reader's handle; a path that is not a file there is
    /// answered `found: false`, not an error.
    func readBlobs(rev: String, paths: [String]) async throws -> Choros_V1_ReadBlobsResponse {
        guard paths.count <= Self.maximumReadPaths else {
            throw StoreError.tooMany(what: "paths", count: paths.count, limit: Self.maximumReadPaths)
        }
        let valid = try paths.map { try Self.validate($0).rawValue }
        let budget = self.configuration.maximumFrameBytes / 2
        return try await self.pool.read { repository in
            let commit = try repository.resolve(rev)
            var response = Choros_V1_ReadBlobsResponse()
            response.commitOid = commit.hex
            var bytes = 0
            for path in valid {
                guard let oid = try repository.blobOID(at: path, commit: commit) else {
                    response.blobs.append(.with { $0.path = path })
                    continue
                }
                let content = try repository.blobContent(oid)
                bytes += content.count
                guard bytes <= budget else {
                    throw StoreError.tooMany(what: "bytes of content", count: bytes, limit: budget)
                }
                response.blobs.append(
                    .with {
                        $0.path = path
                        $0.found = true
                        $0.content = Data(content)
                        $0.blobOid = oid.hex
                    }
                )
            }
            return response
        }
    }

    func blobOID(rev: String, path: String) async throws -> GitOID {
        let path = try Self.validate(path).rawValue
        return try await self.pool.read { repository in
            guard let oid = try repository.blobOID(at: path, commit: try repository.resolve(rev)) else {
                throw StoreError.noSuchPath(path: path, rev: rev)
            }
            return oid
        }
    }

    func references(prefix: String) async throws -> [(name: String, oid: GitOID)] {
        try await self.pool.read { try $0.references(withPrefix: prefix) }
    }

    func files(
        rev: String,
        prefix: String,
        recursive: Bool
    ) async throws -> (commit: GitOID, files: [(path: String, oid: GitOID)]) {
        let prefix = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        if !prefix.isEmpty { _ = try Self.validate(prefix) }
        return try await self.pool.read { repository in
            let commit = try repository.resolve(rev)
            return (commit, try repository.files(in: commit, prefix: prefix, recursive: recursive, rev: rev))
        }
    }

    func history(rev: String, path: String, limit: Int) async throws -> [Choros_V1_HistoryEntry] {
        if !path.isEmpty { _ = try Self.validate(path) }
        return try await self.pool.read { repository in
            try repository.history(from: try repository.resolve(rev), path: path, limit: limit).map(Self.entry)
        }
    }

    func changes(from: String, to: String) async throws -> PathChanges {
        try await self.pool.read { try $0.changes(from: try $0.resolve(from), to: try $0.resolve(to)) }
    }

    func isAncestor(_ ancestor: String, of descendant: String) async throws -> Bool {
        try await self.pool.read { try $0.isAncestor(try $0.resolve(ancestor), of: try $0.resolve(descendant)) }
    }

    /// The author of the branch's oldest commit not in canon.
    func creator(of ref: String) async throws -> String {
        let canonRef = self.configuration.canonRef
        return try await self.pool.read { repository in
            let tip = try repository.resolve(ref)
            let canon = try repository.target(ofRef: canonRef)
            guard let oldest = try repository.commits(from: tip, hiding: canon).last else { return "" }
            return try repository.summary(of: oldest).author
        }
    }

    /// The commits of `ref` not reachable from `since` (every commit when `since` is empty or
    /// not a commit here), with their op ids and authors, and the tip they were read from:
    /// raw material for audit reconciliation, which passes its mark so a reconcile costs the
    /// commits since the last one, not the history.
    func commitOps(of ref: String, since: String) async throws -> (tip: GitOID, commits: [Choros_V1_HistoryEntry]) {
        try await self.pool.read { repository in
            let tip = try repository.resolve(ref)
            let mark = GitOID(hex: since).flatMap { try? repository.resolve($0.hex) }
            let commits = try repository.commits(from: tip, hiding: mark).map {
                try Self.entry(repository.summary(of: $0))
            }
            return (tip, commits)
        }
    }

    static func entry(_ summary: CommitSummary) -> Choros_V1_HistoryEntry {
        var entry = Choros_V1_HistoryEntry()
        entry.oid = summary.oid.hex
        entry.author = summary.author
        entry.subject = summary.subject
        entry.timeMs = summary.timeMilliseconds
        entry.opID = summary.trailer("op-id") ?? ""
        entry.key = summary.trailer("key") ?? ""
        if let envelope = summary.trailer(Self.envelopeTrailer).flatMap({ Data(base64Encoded: $0) }) {
            entry.envelope = envelope
        }
        return entry
    }
}
