/// Where the HTTP door finds the key it signs with for an instance (HTTP.md, "Custodial
/// signing"): a connector's key, or an instance key kept in the data directory (an instance
/// added without `--user`, which the service can read anyway). A key held by the instance's
/// own Unix user is out of reach, as it should be.
package enum CustodialKeys {
    package static func candidates(keysDirectory: String, instance: String) -> [String] {
        [keysDirectory + "/connectors/\(instance).key", keysDirectory + "/instances/\(instance).key"]
    }

    /// The first candidate that holds a key for `author`, or nil.
    package static func key(keysDirectory: String, instance: String, author: AuthorID? = nil) -> SigningKey? {
        for path in Self.candidates(keysDirectory: keysDirectory, instance: instance) {
            guard let key = try? SigningKey.load(from: path) else { continue }
            if author == nil || key.author == author { return key }
        }
        return nil
    }
}
