internal import ChorosProto
internal import Foundation
internal import GRDB

/// Entry points for `choros-bench`: the database measured in process, without a socket.
package struct AuditBenchmarkDatabase: Sendable {
    let database: AuditDatabase

    package init(path: String) throws {
        self.database = try AuditDatabase(path: path)
    }

    /// Appends `count` events in batches of `batchSize`, each batch one transaction.
    package func append(count: Int, batchSize: Int) async throws {
        var written = 0
        while written < count {
            let size = min(batchSize, count - written)
            let inputs = (0..<size).map { index in
                var input = Choros_V1_AuditEventInput()
                input.actor = "actor\((written + index) % 16)"
                input.op = (written + index) % 4 == 0 ? "message.read" : "entry.commit"
                input.targetRef = "refs/cap/perspectives/actor\((written + index) % 7)"
                input.targetPath = "messages/m\(written + index).md"
                input.opID = "op_\(written + index)"
                input.outcome = "ok"
                return input
            }
            _ = try await self.database.append(inputs, now: 1_718_000_000_000)
            written += size
        }
    }

    package func latest(actor: String) async throws -> Int64? {
        try await self.database.pool.read {
            try AuditRow.fetchOne($0, sql: AuditQueries.latest, arguments: ["entry.commit", actor])?.seq
        }
    }

    package func isRead(reader: String, ref: String, path: String) async throws -> Bool {
        try await self.database.pool.read {
            try Bool.fetchOne($0, sql: AuditQueries.isRead, arguments: [reader, path, ref]) ?? false
        }
    }

    /// Walks and checks the whole chain (the Verify RPC's own code); returns the count.
    package func verify() async throws -> Int64 {
        let report = try await self.database.verifyChain(checkEnvelopes: false)
        return report.firstBadSeq == nil ? report.count : -report.count
    }
}
