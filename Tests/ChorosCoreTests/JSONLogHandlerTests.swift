import ChorosCore
import ChorosTesting
import Foundation
import Logging
import Testing

@Suite("JSON logs")
struct JSONLogHandlerTests {
    @Test("each event is one JSON line: ts, level, daemon, label, message, and the merged metadata")
    func oneLine() throws {
        let written = Shared<[[UInt8]]>([])
        var handler = JSONLogHandler(label: "choros.gateway", daemon: "gateway") { bytes in
            written.mutate { $0.append(bytes) }
        }
        handler.logLevel = .debug
        handler[metadataKey: "service"] = "gateway"
        var logger = Logger(label: "choros.gateway") { _ in handler }
        logger.logLevel = .debug
        logger.warning("index upsert failed\nretried", metadata: ["ref": "refs/x", "tries": ["1", "2"]])
        logger.trace("below the level")
        #expect(written.value.count == 1)
        let line = try #require(written.value.first)
        #expect(line.last == UInt8(ascii: "\n") && line.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["daemon"] as? String == "gateway")
        #expect(object["label"] as? String == "choros.gateway")
        #expect(object["message"] as? String == "index upsert failed\nretried")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["service"] as? String == "gateway")
        #expect(metadata["ref"] as? String == "refs/x")
        #expect(metadata["tries"] as? [String] == ["1", "2"])
        let stamp = try #require(object["ts"] as? String)
        #expect(
            try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(stamp).timeIntervalSinceNow.magnitude
                < 60
        )
    }
}
