internal import Foundation

#if canImport(Glibc)
internal import Glibc
#endif

/// The files a daemon makes are its own (umask 077): the git objects, the databases and the
/// keys need no other reader, and a mode forgotten at one `createDirectory` cannot leak them.
/// Instances reach one thing, `gateway.sock`: when the instances group exists, the run
/// directory and the data directory above it let that group pass through (0710: traverse,
/// never list).
enum RunDirectory {
    static func prepare(_ configuration: ChorosConfiguration) throws {
        umask(0o077)
        try FileManager.default.createDirectory(
            atPath: configuration.runDirectory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        guard let group = configuration.instancesGroupID else { return }
        for directory in Self.pathToRunDirectory(configuration) {
            var info = stat()
            // Only directories this user owns; anything else is the administrator's to set.
            guard stat(directory, &info) == 0, info.st_uid == getuid() else { continue }
            if info.st_gid != group { _ = chown(directory, uid_t.max, gid_t(group)) }
            _ = chmod(directory, (info.st_mode & 0o7700) | 0o010)
        }
    }

    /// The run directory and each of its parents up to the data directory.
    private static func pathToRunDirectory(_ configuration: ChorosConfiguration) -> [String] {
        var directories = [configuration.runDirectory]
        let data = configuration.dataDirectory
        var current = configuration.runDirectory
        while current.hasPrefix(data + "/") {
            current = (current as NSString).deletingLastPathComponent
            directories.append(current)
        }
        return directories
    }
}
