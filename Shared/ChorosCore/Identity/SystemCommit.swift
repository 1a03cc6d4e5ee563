package import ChorosProto
internal import Foundation

/// The `system.commit` op that authorizes one commit on a ref no instance owns. Its body binds
/// the ref and a digest of the exact changes, so a captured signature authorizes nothing else.
package enum SystemCommit {
    /// SHA-256 over the canonical JSON list of `[path, sha256(content)]` (`null` for a delete),
    /// in path order.
    package static func digest(_ changes: [Choros_V1_FileChange]) -> String {
        let items: [JSONValue] = changes.sorted { $0.path < $1.path }.map { change in
            .array([
                .string(change.path),
                change.delete ? .null : .string(Digest.sha256Hex(Array(change.content))),
            ])
        }
        return Digest.sha256Hex(CanonicalJSON.encode(.array(items)))
    }

    package static func sign(
        ref: String,
        changes: [Choros_V1_FileChange],
        key: SigningKey,
        deployment: String?,
        now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)
    ) throws -> Choros_V1_SignedOp {
        try SignedOperation.make(
            type: .systemCommit,
            body: ["ref": .string(ref), "changes": .string(Self.digest(changes))],
            timestamp: now,
            key: key,
            deployment: deployment
        ).proto
    }
}
