internal import ChorosClients
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import GRDB
internal import SwiftProtobuf

extension AuditLog {
    /// The namespaces whose commits carry ops: canon and other heads, perspectives, proposals
    /// and the registry.
    static let reconciledPrefixes = [
        "refs/heads/", "refs/cap/perspectives/", "refs/cap/proposals/", "refs/cap/registry",
    ]

    /// Appends a `reconciled_commit` event for every commit that carries an op id but has
    /// no event for (op id, ref): the tolerated crash window between the git commit and the
    /// audit append. Two refs sharing an op id are each covered. The event carries the signed
    /// envelope the commit carries, so the backfilled act verifies like any other.
    ///
    /// Each ref is read from its mark (the tip the last reconcile covered), and the marks move
    /// only once the missing events are appended: a reconcile costs the commits since the
    /// last one, and a failed one is read again whole.
    func reconcile() async throws -> (appended: [AuditRow], checked: Int) {
        var missing: [Choros_V1_AuditEventInput] = []
        var checked = 0
        let marks = try await self.database.pool.read { db in
            try Dictionary(
                Row.fetchAll(db, sql: "SELECT ref, oid FROM reconcile_marks").map {
                    ($0["ref"] as String, $0["oid"] as String)
                },
                uniquingKeysWith: { first, _ in first }
            )
        }
        var tips: [(ref: String, oid: String)] = []
        for prefix in Self.reconciledPrefixes {
            let refs = try await self.store.call(StoreRPC.listRefs, .with { $0.prefix = prefix }).refs
            for ref in refs where marks[ref.name] != ref.oid {
                let read = try await self.store.call(
                    StoreRPC.commitOps,
                    .with {
                        $0.ref = ref.name
                        $0.since = marks[ref.name] ?? ""
                    }
                )
                tips.append((ref.name, read.tip))
                let carrying = read.commits.filter { !$0.opID.isEmpty }
                checked += carrying.count
                let known = try await self.database.pool.read { db in
                    try carrying.map {
                        try Bool.fetchOne(db, sql: AuditQueries.byOpIDAndRef, arguments: [$0.opID, ref.name]) ?? false
                    }
                }
                for (commit, isKnown) in zip(carrying, known) where !isKnown {
                    missing.append(
                        .with {
                            $0.actor = commit.author
                            $0.op = "reconciled_commit"
                            $0.targetRef = ref.name
                            $0.opID = commit.opID
                            $0.requestKey = commit.key
                            $0.resultOid = commit.oid
                            $0.outcome = "ok"
                            $0.ts = commit.timeMs
                            $0.envelope = commit.envelope
                        }
                    )
                }
            }
        }
        // Oldest first, so the log reads in the order things happened.
        missing.sort { $0.ts < $1.ts }
        let appended = missing.isEmpty ? [] : try await self.append(missing)
        try await self.database.pool.write { [tips] db in
            for tip in tips {
                try db.execute(
                    sql:
                        "INSERT INTO reconcile_marks (ref, oid) VALUES (?, ?) ON CONFLICT(ref) DO UPDATE SET oid = excluded.oid",
                    arguments: [tip.ref, tip.oid]
                )
            }
        }
        return (appended, checked)
    }
}
