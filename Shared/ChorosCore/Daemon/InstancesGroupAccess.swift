internal import Foundation

#if canImport(Glibc)
internal import Glibc
#endif

/// What the instances group may reach: the data directory and the run directory to pass
/// through (0710: traverse, never list) and `gateway.sock` (0660). Applied by each daemon at
/// start and by `choros-admin instance add --user` when it creates the group.
package enum InstancesGroupAccess {
    package static func apply(_ configuration: ChorosConfiguration) {
        guard let group = configuration.instancesGroupID else { return }
        for directory in Self.pathToRunDirectory(configuration) {
            var info = stat()
            // Only directories this user owns (root owns all); anything else is the administrator's.
            guard stat(directory, &info) == 0, info.st_uid == getuid() || getuid() == 0 else { continue }
            if info.st_gid != group { _ = chown(directory, uid_t.max, gid_t(group)) }
            _ = chmod(directory, (info.st_mode & 0o7700) | 0o010)
        }
        let gateway = configuration.socketPath(for: "gateway")
        var info = stat()
        if lstat(gateway, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK, info.st_gid != group {
            _ = chown(gateway, uid_t.max, gid_t(group))
        }
    }

    /// The run directory and each of its parents up to the data directory.
    private static func pathToRunDirectory(_ configuration: ChorosConfiguration) -> [String] {
        var directories = [configuration.runDirectory]
        var current = configuration.runDirectory
        while current.hasPrefix(configuration.dataDirectory + "/") {
            current = (current as NSString).deletingLastPathComponent
            directories.append(current)
        }
        return directories
    }
}
