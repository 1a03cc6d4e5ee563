internal import Foundation

/// A path a caller names for a daemon to write (a snapshot, a backup mirror), checked against
/// the directories the practitioner configured (`backup_dirs`, TRUST.md): resolved through
/// `..` and symlinks first, so neither leads out.
package enum ConfinedPath {
    /// The resolved path, or a refusal naming the path and the directories allowed.
    package static func check(_ path: String, within directories: [String]) throws(ConfinedPathError) -> String {
        guard path.hasPrefix("/") else { throw ConfinedPathError(path: path, directories: directories) }
        let resolved = Self.resolve(path)
        for directory in directories {
            let root = Self.resolve(directory)
            if resolved == root || resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") { return resolved }
        }
        throw ConfinedPathError(path: path, directories: directories)
    }

    /// The real path of the deepest existing ancestor, with the rest appended.
    private static func resolve(_ path: String) -> String {
        var existing = (path as NSString).standardizingPath
        var rest: [String] = []
        while !existing.isEmpty, existing != "/", !FileManager.default.fileExists(atPath: existing) {
            rest.insert((existing as NSString).lastPathComponent, at: 0)
            existing = (existing as NSString).deletingLastPathComponent
        }
        let real = existing.withCString { pointer -> String in
            guard let resolved = realpath(pointer, nil) else { return existing }
            defer { free(resolved) }
            return String(cString: resolved)
        }
        return rest.reduce(real) { ($0 as NSString).appendingPathComponent($1) }
    }
}

package struct ConfinedPathError: Error, CustomStringConvertible {
    package let path: String
    package let directories: [String]

    package var description: String {
        "\(self.path.prefix(200)) is outside the configured backup_dirs (\(self.directories.joined(separator: ", ")))"
    }
}
