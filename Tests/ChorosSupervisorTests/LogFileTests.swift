import ChorosSupervisor
import ChorosTesting
import Foundation
import Testing

/// Issue 21, item 2: a daemon's log rotated by size and reopened on SIGHUP.
@Suite("Daemon log files")
struct LogFileTests {
    private static func line(_ number: Int) -> Data {
        Data("line \(number) \(String(repeating: "x", count: 90))\n".utf8)
    }

    @Test("past its size the log moves to .1 … .keep, the oldest dropped, and nothing kept is lost")
    func rotation() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending("store.log")
            let log = try LogFile(path: path, maximumBytes: 10_000, keep: 2)
            for number in 0..<450 { log.append(Self.line(number)) }
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            #expect(names == ["store.log", "store.log.1", "store.log.2"])
            var kept = Data()
            for name in ["store.log.2", "store.log.1", "store.log"] {
                let data = try Data(contentsOf: URL(fileURLWithPath: directory.appending(name)))
                #expect(data.count <= 10_000, "\(name) is \(data.count) bytes")
                #expect(data.last == UInt8(ascii: "\n"), "\(name) ends on a whole line")
                kept += data
            }
            // The newest lines, in order, with no gap.
            let expected = (0..<450).map(Self.line).reduce(Data(), +)
            #expect(kept.count > 20_000)
            #expect(expected.suffix(kept.count) == kept)
        }
    }

    @Test("keep 0 drops the old log instead of moving it")
    func keepNone() async throws {
        try await withTemporaryDirectory { directory in
            let log = try LogFile(path: directory.appending("audit.log"), maximumBytes: 1_000, keep: 0)
            for number in 0..<40 { log.append(Self.line(number)) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["audit.log"])
        }
    }

    @Test("reopen follows an outside logrotate: the moved file keeps the old lines, a new one takes the rest")
    func reopen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending("index.log")
            let log = try LogFile(path: path, maximumBytes: 1 << 20, keep: 5)
            log.append(Data("before\n".utf8))
            try FileManager.default.moveItem(atPath: path, toPath: path + ".moved")
            log.append(Data("still the moved file until reopened\n".utf8))
            log.reopen()
            log.append(Data("after\n".utf8))
            #expect(
                try String(contentsOfFile: path + ".moved", encoding: .utf8)
                    == "before\nstill the moved file until reopened\n"
            )
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "after\n")
        }
    }

    @Test("an existing log is appended to, and its size counts toward the first rotation")
    func appendsToExisting() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending("gateway.log")
            try Data(repeating: UInt8(ascii: "a"), count: 950).write(to: URL(fileURLWithPath: path))
            let log = try LogFile(path: path, maximumBytes: 1_000, keep: 1)
            log.append(Self.line(1))
            #expect(try Data(contentsOf: URL(fileURLWithPath: path + ".1")).count == 950)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Self.line(1))
        }
    }
}
