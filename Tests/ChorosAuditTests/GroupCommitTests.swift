import ChorosCore
import ChorosProto
import ChorosTesting
import Foundation
import GRDB
import SwiftProtobuf
import Testing

@testable import ChorosAudit

@Suite("Audit group commit")
struct GroupCommitTests {
    @Test("appends batched into one transaction keep their own results: a refused one fails alone")
    func refusalStaysInItsBatch() async throws {
        try await withTemporaryDirectory { directory in
            let database = try AuditDatabase(path: directory.appending("audit.sqlite"))
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            // Two spends of one TOTP window among 62 ordinary appends, all at once.
            let inputs: [Choros_V1_AuditEventInput] = (0..<64).map { index in
                .with {
                    $0.actor = "alice"
                    $0.op = index < 2 ? "airlock.window" : "entry.commit"
                    $0.targetPath = index < 2 ? "window-42" : "p\(index).md"
                    $0.outcome = "ok"
                }
            }
            let results = await withTaskGroup(of: (Int, Bool).self) { group in
                for (index, input) in inputs.enumerated() {
                    group.addTask { (index, (try? await database.append([input], now: now)) != nil) }
                }
                return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            #expect((0..<2).filter { results[$0] == true }.count == 1, "the window was spent exactly once")
            #expect((2..<64).allSatisfy { results[$0] == true })
            #expect(database.appends.meanBatchSize > 1)
            let rows = try database.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT seq, prev_hash, hash FROM events ORDER BY seq")
            }
            #expect(rows.count == 63)
            #expect(rows.map { $0["seq"] as Int64 } == Array(1...63), "no seq was skipped by the refused append")
            for (previous, row) in zip(rows, rows.dropFirst()) {
                #expect((row["prev_hash"] as String) == (previous["hash"] as String))
            }
        }
    }
}
