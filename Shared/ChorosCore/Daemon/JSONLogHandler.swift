internal import Foundation
package import Logging

/// `log_format = json`: one JSON object per line on stderr, with `ts` (UTC, milliseconds),
/// `level`, `daemon`, `label`, `message` and `metadata`, for a log shipper to parse. Keys are
/// sorted (canonical JSON), so the same event always prints the same line.
package struct JSONLogHandler: LogHandler {
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let daemon: String
    private let write: @Sendable ([UInt8]) -> Void

    package init(label: String, daemon: String, write: @escaping @Sendable ([UInt8]) -> Void = Self.standardError) {
        self.label = label
        self.daemon = daemon
        self.write = write
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = self.metadata
        if let provided = self.metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        let line: JSONValue = .object([
            "ts": .string(Self.timestamp()),
            "level": .string(event.level.rawValue),
            "daemon": .string(self.daemon),
            "label": .string(self.label),
            "message": .string(event.message.description),
            "metadata": .object(merged.mapValues(Self.json)),
        ])
        self.write(CanonicalJSON.encode(line) + [UInt8(ascii: "\n")])
    }

    private static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(Self.json))
        case .dictionary(let values): .object(values.mapValues(Self.json))
        }
    }

    private static func timestamp() -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date())
    }

    /// One write(2) per line, so lines of concurrent loggers never interleave.
    package static let standardError: @Sendable ([UInt8]) -> Void = { bytes in
        bytes.withUnsafeBytes { _ = Foundation.write(2, $0.baseAddress, $0.count) }
    }
}
