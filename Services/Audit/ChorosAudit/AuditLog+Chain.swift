internal import ChorosCore
internal import ChorosProto
internal import GRDB

/// The outcome of walking the chain.
struct ChainReport: Sendable {
    var count: Int64
    var firstBadSeq: Int64?
    var reason: String
    var badEnvelopes: [Int64]
}

extension AuditLog {
    func verifyChain(checkEnvelopes: Bool) async throws -> ChainReport {
        try await self.database.verifyChain(checkEnvelopes: checkEnvelopes)
    }

    func headAt(_ seq: Int64) async throws -> String {
        try await self.database.headAt(seq)
    }
}

extension AuditDatabase {
    /// Walks every row in seq order: seqs contiguous from 1, each prev_hash the previous
    /// row's hash, each hash recomputed. Reports the first seq where that fails; with
    /// `checkEnvelopes`, also every row whose stored envelope no longer verifies.
    func verifyChain(checkEnvelopes: Bool) async throws -> ChainReport {
        try await self.pool.read { db in
            var report = ChainReport(count: 0, firstBadSeq: nil, reason: "", badEnvelopes: [])
            var previous = AuditRow.genesis
            var expectedSeq: Int64 = 1
            let rows = try AuditRow.fetchCursor(db, sql: "SELECT * FROM events ORDER BY seq")
            while let row = try rows.next() {
                report.count += 1
                if report.firstBadSeq == nil {
                    if row.seq != expectedSeq {
                        report.firstBadSeq = expectedSeq
                        report.reason = "seq \(expectedSeq) is missing (found \(row.seq) next)"
                    } else if row.prevHash != previous {
                        report.firstBadSeq = row.seq
                        report.reason = "seq \(row.seq) does not chain to the row before it"
                    } else if row.computeHash(previous: row.prevHash) != row.hash {
                        report.firstBadSeq = row.seq
                        report.reason = "seq \(row.seq) does not match its hash (edited)"
                    }
                }
                if checkEnvelopes, let envelope = row.envelope,
                    (try? OperationVerifier.verifyIntegrity(json: [UInt8](envelope))) == nil
                {
                    report.badEnvelopes.append(row.seq)
                }
                previous = row.hash
                expectedSeq = row.seq + 1
            }
            return report
        }
    }

    /// The head at `seq` recomputed from genesis with recomputed prev hashes, so an edit
    /// anywhere upstream changes it even if every later stored hash was rewritten.
    func headAt(_ seq: Int64) async throws -> String {
        try await self.pool.read { db in
            var hash = AuditRow.genesis
            var count: Int64 = 0
            let rows = try AuditRow.fetchCursor(
                db,
                sql: "SELECT * FROM events WHERE seq <= ? ORDER BY seq",
                arguments: [seq]
            )
            while let row = try rows.next() {
                hash = row.computeHash(previous: hash)
                count += 1
            }
            guard count == seq, seq > 0 else { throw AuditError.noSuchSeq(UInt64(seq), count: count) }
            return hash
        }
    }
}
