internal import ChorosProto

#if canImport(Glibc)
internal import Glibc
#endif

/// What the filesystems a daemon writes to say when a write failed: full, or mounted
/// read-only. A daemon's router consults it before answering a failure as INTERNAL, so a
/// client learns the disk is the problem (and which), not that "something failed".
package struct DiskTrouble: Sendable {
    /// The directories the daemon writes under.
    let paths: [String]
    /// Below this much space left (for an unprivileged writer) a filesystem counts as full: a
    /// write that needed more has just failed.
    static let nearlyFull: UInt64 = 1 << 20

    package init(watching paths: [String]) {
        self.paths = paths
    }

    /// The named error for the first troubled filesystem, or nil when none is. Only failed
    /// calls ask, so the probe file it writes costs nothing on the paths that work.
    package func diagnose() -> RPCError? {
        for path in self.paths {
            var status = statvfs()
            guard statvfs(path, &status) == 0 else { continue }
            // A kernel that met an I/O error turns a filesystem read-only (errors=remount-ro)
            // without statvfs saying so: only a write tells.
            if status.f_flag & UInt(ST_RDONLY) != 0 || Self.probe(path) == EROFS {
                return RPCError(
                    code: .failedPrecondition,
                    message:
                        "the filesystem holding \(path) is read-only: nothing can be written until it is writable again",
                    details: ["disk": path, "reason": "read-only"]
                )
            }
            if UInt64(status.f_bavail) * UInt64(status.f_frsize) < Self.nearlyFull {
                return RPCError(
                    code: .resourceExhausted,
                    message: "the disk holding \(path) is full: nothing can be written until space is freed",
                    details: ["disk": path, "reason": "full"]
                )
            }
        }
        return nil
    }

    /// errno of creating a file in `directory`, or 0 when it can be.
    private static func probe(_ directory: String) -> Int32 {
        let path = directory + "/.choros-disk-probe"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return errno }
        close(descriptor)
        unlink(path)
        return 0
    }
}
