import ChorosCore
import Foundation

/// The Unix user an instance runs as (TRUST.md, rule 3: keys live with their holder). Its key
/// goes to `<data_dir>/instance-keys/<name>/`, a directory only that user can read, and the
/// user joins the instances group, which reaches `gateway.sock` and nothing else.
struct InstanceHolder {
    let name: String
    let uid: uid_t
    let gid: gid_t

    init(user: String) throws {
        guard let entry = getpwnam(user) else { throw AdminFailure("no Unix user '\(user)'") }
        self.name = user
        self.uid = entry.pointee.pw_uid
        self.gid = entry.pointee.pw_gid
    }

    static func keyDirectory(_ configuration: ChorosConfiguration, instance: String) -> String {
        configuration.dataDirectory + "/instance-keys/\(instance)"
    }

    /// The directory for the key, 0700 and the user's; its parent lets anyone pass, not list.
    func prepareKeyDirectory(_ directory: String) throws {
        let parent = (directory as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        guard chmod(parent, 0o711) == 0 else { throw AdminFailure("cannot set the mode of \(parent)") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        try self.own(directory, mode: 0o700)
    }

    func own(_ path: String, mode: mode_t) throws {
        guard chown(path, self.uid, self.gid) == 0 else {
            throw AdminFailure(
                "cannot give \(path) to \(self.name): \(String(cString: strerror(errno))) (run choros-admin as root for --user)"
            )
        }
        guard chmod(path, mode) == 0 else { throw AdminFailure("cannot set the mode of \(path)") }
    }

    /// Puts the user in the instances group (creating it), then opens the deployment's
    /// directories and `gateway.sock` to that group.
    func joinInstancesGroup(_ configuration: ChorosConfiguration) throws {
        try Self.system("/usr/sbin/groupadd", ["-f", configuration.instancesGroup])
        try Self.system("/usr/sbin/usermod", ["-aG", configuration.instancesGroup, self.name])
        InstancesGroupAccess.apply(configuration)
    }

    private static func system(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw AdminFailure("\(executable) \(arguments.joined(separator: " ")) failed: \(message)")
        }
    }
}
