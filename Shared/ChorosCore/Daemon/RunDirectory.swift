internal import Foundation

#if canImport(Glibc)
internal import Glibc
#endif

/// The files a daemon makes are its own (umask 077): the git objects, the databases and the
/// keys need no other reader, and a mode forgotten at one `createDirectory` cannot leak them.
/// Instances reach one thing, `gateway.sock`, through the directories `InstancesGroupAccess`
/// opens to their group.
enum RunDirectory {
    static func prepare(_ configuration: ChorosConfiguration) throws {
        umask(0o077)
        try FileManager.default.createDirectory(
            atPath: configuration.runDirectory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        InstancesGroupAccess.apply(configuration)
    }
}
