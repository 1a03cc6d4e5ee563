internal import ChorosProto
package import ChorosWire
internal import Foundation

extension InstanceRecord {
    /// The enrolled records at `refs/cap/registry` (or at `rev`, a commit of it), read
    /// through the store; empty when there is no registry yet.
    package static func all(in store: WireClient, rev: String = "refs/cap/registry") async throws -> [InstanceRecord] {
        var request = Choros_V1_ListPathsRequest()
        request.rev = rev
        request.prefix = "instances"
        let paths: [String]
        do {
            paths = try await store.call(StoreRPC.listPaths, request).paths
        } catch let error as RPCError where error.code == .notFound {
            return []
        }
        var records: [InstanceRecord] = []
        for path in paths where path.hasSuffix(".json") {
            var read = Choros_V1_ReadBlobRequest()
            read.rev = rev
            read.path = path
            records.append(
                try InstanceRecord(fileContent: Array(try await store.call(StoreRPC.readBlob, read).content))
            )
        }
        return records.sorted { $0.name.folded < $1.name.folded }
    }
}
