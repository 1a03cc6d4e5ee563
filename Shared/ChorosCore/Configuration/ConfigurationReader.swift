internal import Foundation

/// Reads typed values out of a `ConfigurationSource`, collecting one issue per bad key
/// instead of stopping at the first, and remembering which keys exist.
struct ConfigurationReader {
    private let source: ConfigurationSource
    private var knownKeys: Set<String> = []
    private(set) var issues: [ConfigurationIssue] = []

    init(source: ConfigurationSource) {
        self.source = source
    }

    mutating func report(_ key: String, _ problem: String) {
        let origin = self.source.values[key]?.origin ?? "default"
        self.issues.append(ConfigurationIssue(key: key, origin: origin, problem: problem))
    }

    private mutating func value(_ key: String) -> ConfigurationValue? {
        self.knownKeys.insert(key)
        return self.source.values[key]?.value
    }

    private mutating func wrongType(_ key: String, expected: String, got value: ConfigurationValue) {
        self.report(key, "must be \(expected), got \(value.typeName)")
    }

    mutating func string(_ key: String, default defaultValue: String, nonEmpty: Bool = false) -> String {
        guard let value = self.value(key) else { return defaultValue }
        let text: String
        switch value {
        case .string(let string): text = string
        default:
            guard let raw = self.source.environmentText[key] else {
                self.wrongType(key, expected: "a string", got: value)
                return defaultValue
            }
            text = raw
        }
        if nonEmpty && text.isEmpty { self.report(key, "must not be empty") }
        return text
    }

    mutating func stringArray(_ key: String, default defaultValue: [String]) -> [String] {
        switch self.value(key) {
        case nil: return defaultValue
        case .array(let items):
            var strings: [String] = []
            for item in items {
                guard case .string(let string) = item else {
                    self.report(key, "must be an array of strings, found \(item.typeName) in it")
                    return defaultValue
                }
                strings.append(string)
            }
            return strings
        case .string(let list) where self.source.environmentText[key] != nil:
            return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        case let value?:
            self.wrongType(key, expected: "an array of strings", got: value)
            return defaultValue
        }
    }

    mutating func integer(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) -> Int {
        switch self.value(key) {
        case nil: return defaultValue
        case .integer(let integer):
            guard range.contains(integer) else {
                self.report(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(integer)")
                return defaultValue
            }
            return integer
        case let value?:
            self.wrongType(key, expected: "an integer", got: value)
            return defaultValue
        }
    }

    mutating func boolean(_ key: String, default defaultValue: Bool) -> Bool {
        switch self.value(key) {
        case nil: return defaultValue
        case .boolean(let boolean): return boolean
        case let value?:
            self.wrongType(key, expected: "a boolean", got: value)
            return defaultValue
        }
    }

    mutating func number(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>) -> Double {
        let number: Double
        switch self.value(key) {
        case nil: return defaultValue
        case .integer(let integer): number = Double(integer)
        case .float(let float): number = float
        case let value?:
            self.wrongType(key, expected: "a number", got: value)
            return defaultValue
        }
        guard range.contains(number) else {
            self.report(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
            return defaultValue
        }
        return number
    }

    /// An integer, or a hex string such as `"0x3b"` (the state sequence is written in hex).
    mutating func sequenceNumber(_ key: String, default defaultValue: Int) -> Int {
        switch self.value(key) {
        case nil: return defaultValue
        case .integer(let integer) where integer >= 0: return integer
        case .string(let text):
            let digits = text.lowercased().hasPrefix("0x") ? String(text.dropFirst(2)) : text
            if !digits.isEmpty, let value = Int(digits, radix: 16), value >= 0 { return value }
            self.report(key, "must be a non-negative integer or a hex string like \"0x3b\", got \"\(text)\"")
            return defaultValue
        case let value?:
            self.report(key, "must be a non-negative integer or a hex string like \"0x3b\", got \(value.typeName)")
            return defaultValue
        }
    }

    mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: String,
        default defaultValue: Choice
    ) -> Choice where Choice.RawValue == String {
        let text = self.string(key, default: defaultValue.rawValue)
        guard let choice = Choice(rawValue: text) else {
            let allowed = Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            self.report(key, "must be one of \(allowed), got \"\(text)\"")
            return defaultValue
        }
        return choice
    }

    /// Every key in the source that no reader asked for is a typo or a stale setting.
    mutating func reportUnknownKeys() {
        for key in self.source.values.keys.sorted() where !self.knownKeys.contains(key) {
            self.report(key, "is not a configuration key")
        }
    }
}
