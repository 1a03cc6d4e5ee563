internal import CGit2
internal import Foundation

/// A mirror on this machine (a backup directory, or the backup a restore reads) by its object
/// files, not by libgit2's push or fetch: those pack every object again, delta search
/// included, which for a store of a few GB of loose objects took longer than half an hour under
/// load (the 1,000-kill soak's backup never finished). Objects are immutable and named by their
/// hash, so the files are linked (copied across filesystems) as they are, and only those the
/// other side lacks: a backup costs the objects written since the last one.
extension GitRepository {
    /// Mirrors `refs` to the repository at `path` (created bare when missing): its missing object
    /// files first, synced, then each ref, never forced (a mirror's ref that is not an ancestor
    /// of ours is refused and named), synced again. Returns the refused refs, with why.
    func mirror(_ refs: [(name: String, oid: GitOID)], toLocal path: String) throws -> [String: String] {
        let mirror = try GitRepository.openOrCreate(at: path, canonRef: "refs/heads/main")
        try ObjectFiles.copy(from: self.path, to: mirror.path)
        try Self.syncFilesystem(holding: mirror.path)
        var refused: [String: String] = [:]
        for (name, oid) in refs {
            let theirs = try mirror.target(ofRef: name)
            guard theirs != oid else { continue }
            if let theirs, !(try mirror.isAncestor(theirs, of: oid)) {
                refused[name] = "non-fast-forward: the mirror has \(theirs.hex), not an ancestor of \(oid.hex)"
                continue
            }
            try mirror.moveRef(name, to: oid, from: theirs)
        }
        try Self.syncFilesystem(holding: mirror.path)
        return refused
    }

    /// The object files of the repository at `path` this one lacks, linked in (a restore):
    /// nothing live moves, the objects are only there for refs to name.
    func takeObjects(fromLocal path: String) throws {
        try ObjectFiles.copy(from: path, to: self.path)
        try Self.syncFilesystem(holding: self.path)
    }
}

enum ObjectFiles {
    /// Links (or copies) every loose object and pack file of the repository at `source` that
    /// `destination` lacks. Packs go data before index, so an index never names a missing pack.
    @discardableResult
    static func copy(from source: String, to destination: String) throws -> Int {
        let files = FileManager.default
        let from = (source as NSString).appendingPathComponent("objects")
        let to = (destination as NSString).appendingPathComponent("objects")
        var placed = 0
        for fan in try files.contentsOfDirectory(atPath: from) where Self.isHex(fan, length: 2) {
            let names = try files.contentsOfDirectory(atPath: from + "/" + fan).filter { Self.isHex($0, length: 38) }
            guard !names.isEmpty else { continue }
            try files.createDirectory(
                atPath: to + "/" + fan,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o755]
            )
            for name in names where try Self.place(from + "/\(fan)/\(name)", to + "/\(fan)/\(name)") { placed += 1 }
        }
        let packs = (try? files.contentsOfDirectory(atPath: from + "/pack")) ?? []
        if !packs.isEmpty {
            try files.createDirectory(atPath: to + "/pack", withIntermediateDirectories: true)
        }
        for suffix in [".pack", ".rev", ".idx"] {
            for name in packs where name.hasPrefix("pack-") && name.hasSuffix(suffix) {
                if try Self.place(from + "/pack/\(name)", to + "/pack/\(name)") { placed += 1 }
            }
        }
        return placed
    }

    /// Links `source` as `destination`, or copies it (through a temporary name, so a crash
    /// leaves no torn object) where a link cannot be made. False when it is there already.
    private static func place(_ source: String, _ destination: String) throws -> Bool {
        if link(source, destination) == 0 { return true }
        switch errno {
        case EEXIST: return false
        case EXDEV, EPERM, EMLINK, EACCES: break
        default: throw Self.failure("link \(source)")
        }
        guard !FileManager.default.fileExists(atPath: destination) else { return false }
        let temporary = destination + ".tmp-\(getpid())"
        _ = unlink(temporary)
        do {
            try FileManager.default.copyItem(atPath: source, toPath: temporary)
        } catch {
            throw Self.failure("copy \(source)")
        }
        guard rename(temporary, destination) == 0 else { throw Self.failure("rename \(temporary)") }
        return true
    }

    private static func isHex(_ name: String, length: Int) -> Bool {
        name.utf8.count == length && name.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    private static func failure(_ operation: String) -> StoreError {
        .git(GitError(operation: operation, code: errno, message: String(cString: strerror(errno))))
    }
}
