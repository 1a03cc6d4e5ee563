package import ChorosCore
package import ChorosProto
package import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// The store, as every other process reaches it: reads that tell "absent" (`nil`, `[]`) from
/// a failure (a throw), and the registry snapshot every caller authorizes against.
package struct StoreClient: DaemonClient {
    package let wire: WireClient
    package let registry: RegistryCache

    package init(_ wire: WireClient) {
        self.wire = wire
        self.registry = RegistryCache(reading: wire)
    }

    init(wire: WireClient, registry: RegistryCache) {
        self.wire = wire
        self.registry = registry
    }

    /// A ref's tip, or `nil` when the ref does not exist.
    package func tip(of ref: String) async throws -> String? {
        try await Self.absentAsNil { try await self.call(StoreRPC.resolve, .with { $0.ref = ref }).oid }
    }

    /// A file at a revision (a commit or a ref), or `nil` when the ref or the path does not exist.
    package func blob(_ rev: String, _ path: String) async throws -> Choros_V1_ReadBlobResponse? {
        try await Self.absentAsNil {
            try await self.call(
                StoreRPC.readBlob,
                .with {
                    $0.rev = rev
                    $0.path = path
                }
            )
        }
    }

    /// The texts of `paths` at one revision (nil where a path is not a file), 200 paths a call.
    package func texts(_ rev: String, _ paths: [String]) async throws -> [String: String] {
        var texts: [String: String] = [:]
        for start in stride(from: 0, to: paths.count, by: 200) {
            let chunk = Array(paths[start..<min(start + 200, paths.count)])
            let response = try await self.call(
                StoreRPC.readBlobs,
                .with {
                    $0.rev = rev
                    $0.paths = chunk
                }
            )
            for blob in response.blobs where blob.found {
                texts[blob.path] = String(decoding: blob.content, as: UTF8.self)
            }
        }
        return texts
    }

    package func text(_ rev: String, _ path: String) async throws -> String? {
        try await self.blob(rev, path).map { String(decoding: $0.content, as: UTF8.self) }
    }

    package func exists(_ rev: String, _ path: String) async throws -> Bool {
        let found = try await Self.absentAsNil {
            try await self.call(
                StoreRPC.blobOid,
                .with {
                    $0.rev = rev
                    $0.path = path
                }
            )
        }
        return found != nil
    }

    package func paths(_ rev: String, under prefix: String = "", recursive: Bool = true) async throws -> [String] {
        try await Self.absentAsNil {
            try await self.call(
                StoreRPC.listPaths,
                .with {
                    $0.rev = rev
                    $0.prefix = prefix
                    $0.recursive = recursive
                }
            ).paths
        } ?? []
    }

    /// The files under a directory with their blob ids and the commit listed; `nil` when the
    /// ref or the directory does not exist.
    package func files(_ rev: String, under prefix: String = "") async throws -> Choros_V1_ListPathsResponse? {
        try await Self.absentAsNil {
            try await self.call(
                StoreRPC.listPaths,
                .with {
                    $0.rev = rev
                    $0.prefix = prefix
                    $0.recursive = true
                }
            )
        }
    }

    package func refs(under prefix: String) async throws -> [Choros_V1_RefEntry] {
        try await self.call(StoreRPC.listRefs, .with { $0.prefix = prefix }).refs
    }

    package func history(_ rev: String, path: String = "", limit: UInt32 = 0) async throws -> [Choros_V1_HistoryEntry] {
        try await Self.absentAsNil {
            try await self.call(
                StoreRPC.history,
                .with {
                    $0.rev = rev
                    $0.path = path
                    $0.limit = limit
                }
            ).entries
        } ?? []
    }

    /// Canon's seq: the largest state tag, or `origin` before the first land.
    package func canonSeq(origin: Int) async throws -> Int {
        let prefix = "refs/tags/state/"
        let tags = try await self.refs(under: prefix)
        return tags.compactMap { Int($0.name.dropFirst(prefix.count), radix: 16) }.max() ?? origin
    }

    /// The enrolled records at `rev` (the registry ref or one of its commits); empty when
    /// there is no registry yet.
    package func registryRecords(at rev: String = RegistryCache.ref) async throws -> [InstanceRecord] {
        var records: [InstanceRecord] = []
        for path in try await self.paths(rev, under: "instances") where path.hasSuffix(".json") {
            guard let blob = try await self.blob(rev, path) else { continue }
            records.append(try InstanceRecord(fileContent: Array(blob.content)))
        }
        return records.sorted { $0.name.folded < $1.name.folded }
    }

    static func absentAsNil<Value>(_ body: () async throws -> Value) async throws -> Value? {
        do {
            return try await body()
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }
}
