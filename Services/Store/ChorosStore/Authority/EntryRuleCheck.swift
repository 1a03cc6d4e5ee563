internal import ChorosCore
internal import ChorosProto
internal import Foundation

/// kip_commit's rules, checked by the store against the tip it commits on (so nothing can
/// change between the check and the write): an entry's body never changes, the one edit of
/// an existing path is the supersession flip, and superseding an entry flips it in the same
/// commit.
struct EntryRuleCheck {
    let rules: Choros_V1_EntryRules
    let read: (String) throws -> [UInt8]?

    typealias Change = (path: EntryPath, content: [UInt8]?)

    /// The changes to commit: the entry, plus the flip of the entry it supersedes.
    func apply(to changes: [Change]) throws -> [Change] {
        guard let primary = changes.first, let content = primary.content else { return changes }
        let path = primary.path.rawValue
        if self.rules.immutableBodies, let existing = try self.read(path) {
            try Self.checkImmutable(path: path, existing: existing, new: content)
        }
        let supersedes = self.rules.supersede
        guard !supersedes.isEmpty else { return changes }
        let target: EntryPath
        do { target = try EntryPath(supersedes) } catch { throw StoreError.invalidPath(error) }
        guard supersedes != path, !changes.contains(where: { $0.path.rawValue == supersedes }),
            let old = try self.read(supersedes), var entry = try? Entry(parsing: String(decoding: old, as: UTF8.self)),
            entry.scalar("status") != "superseded"
        else { return changes }
        try entry.set("status", .scalar("superseded"))
        try entry.set("superseded_by", .scalar(path))
        return changes + [(target, Array(entry.text.utf8))]
    }

    /// A replay is the same act only if it carries the same entry; the canon_state stamp is
    /// the server's and may have moved since the original.
    static func checkReplay(key: String, commit: GitOID, ref: String, committed: [UInt8]?, new: [UInt8]?) throws {
        func unstamped(_ bytes: [UInt8]?) -> Entry? {
            guard let bytes, var entry = try? Entry(parsing: String(decoding: bytes, as: UTF8.self)) else { return nil }
            entry.removeField("canon_state")
            return entry
        }
        let same =
            switch (unstamped(committed), unstamped(new)) {
            case (let lhs?, let rhs?): lhs == rhs
            default: committed == new
            }
        guard same else {
            throw StoreError.differentAct(key: key, commit: commit.hex, ref: ref)
        }
    }

    private static func checkImmutable(path: String, existing: [UInt8], new: [UInt8]) throws {
        let old = try? Entry(parsing: String(decoding: existing, as: UTF8.self))
        let incoming = try? Entry(parsing: String(decoding: new, as: UTF8.self))
        guard let old, let incoming, old.body == incoming.body else {
            throw StoreError.immutable(
                path: path,
                reason: "exists with a different body: body is immutable — supersede to a new slug"
            )
        }
        var flipped = old
        try flipped.set("status", .scalar("superseded"))
        if let successor = incoming.scalar("superseded_by") { try flipped.set("superseded_by", .scalar(successor)) }
        try flipped.set("canon_state", incoming["canon_state"] ?? .scalar(""))
        let isFlip = incoming.scalar("status") == "superseded" && incoming.scalar("superseded_by") != nil
        let keys = Set(incoming.fields.map(\.key)).union(flipped.fields.map(\.key))
        guard incoming == old || (isFlip && keys.allSatisfy({ incoming[$0] == flipped[$0] })) else {
            throw StoreError.immutable(
                path: path,
                reason: "exists: only 'status: superseded' with 'superseded_by' may change on it"
            )
        }
    }
}
