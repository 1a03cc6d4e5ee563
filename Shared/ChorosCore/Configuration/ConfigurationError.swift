/// One bad configuration key: which key, where its value came from, and what is wrong.
package struct ConfigurationIssue: Sendable, Equatable, CustomStringConvertible {
    package var key: String
    /// `choros.toml`'s path, `CHOROS_<KEY>`, or "default".
    package var origin: String
    package var problem: String

    package var description: String { "\(self.origin): \(self.key): \(self.problem)" }
}

/// The configuration cannot be used; every bad key is listed, each with its own message.
/// Daemons exit 78 (EX_CONFIG) on it, so the supervisor stops instead of crash-looping.
package struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    package var issues: [ConfigurationIssue]

    package var description: String {
        (["invalid configuration:"] + self.issues.map { "  \($0)" }).joined(separator: "\n")
    }
}
