extension String {
    /// The longest prefix of whole characters that fits in `limit` UTF-8 bytes: how a value a
    /// caller chose is copied into a capped field (the audit log's) without being refused.
    package func truncated(toUTF8Bytes limit: Int) -> String {
        guard self.utf8.count > limit else { return self }
        var result = ""
        var used = 0
        for character in self {
            let size = character.utf8.count
            guard used + size <= limit else { break }
            result.append(character)
            used += size
        }
        return result
    }
}
