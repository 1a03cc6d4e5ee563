import ChorosFuzzing
import Foundation
import Testing

/// Issue 20, item 2: every committed fuzz input (the seed corpora, what fuzz runs added, and
/// each crash a run found) goes through the same entry points libFuzzer drives, in the normal
/// test build, so a parser change that crashes on one of them fails here first.
@Suite("Fuzz corpora replay")
struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ target: FuzzTarget) -> [URL] {
        ["corpus", "regressions"].flatMap { folder in
            let directory = Self.root.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
            return
                ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
                .sorted { $0.path < $1.path }
        }
    }

    @Test("each target's corpus replays without a crash or a broken invariant", arguments: FuzzTarget.allCases)
    func replay(_ target: FuzzTarget) throws {
        let inputs = Self.inputs(target)
        #expect(inputs.count >= 4, "a seed corpus is committed for \(target.rawValue)")
        for input in inputs { target.run([UInt8](try Data(contentsOf: input))) }
    }
}
