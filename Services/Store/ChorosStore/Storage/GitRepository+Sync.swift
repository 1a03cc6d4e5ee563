internal import CGit2
internal import Foundation

extension GitRepository {
    /// Pushes each ref to the same name on `url`, never forced: a non-fast-forward update is
    /// refused, so append-only history survives the mirror. A local path that does not exist
    /// yet becomes a fresh bare repository. Returns the refs the remote refused, with why.
    func push(_ refs: [String], to url: String) throws -> [String: String] {
        if url.hasPrefix("/"), !FileManager.default.fileExists(atPath: url) {
            var created: OpaquePointer?
            try StoreError.check(git_repository_init(&created, url, 1), "create mirror \(url)")
            git_repository_free(created)
        }
        let remote = try self.anonymousRemote(url)
        final class Rejections { var byRef: [String: String] = [:] }
        let rejections = Rejections()
        var options = git_push_options()
        try StoreError.check(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), "push options")
        options.callbacks.push_update_reference = { name, status, payload in
            if let name, let status, let payload {
                Unmanaged<Rejections>.fromOpaque(payload).takeUnretainedValue().byRef[String(cString: name)] =
                    String(cString: status)
            }
            return 0
        }
        options.callbacks.payload = Unmanaged.passUnretained(rejections).toOpaque()
        // Delta search on every core: a first backup packs the whole history. The mirror
        // thread runs at a lower priority (RepositoryPool.mirror), so commits come first.
        options.pb_parallelism = 0
        let status = try Self.withStringArray(refs.map { "\($0):\($0)" }) { specs in
            git_remote_push(remote.pointer, specs, &options)
        }
        if status == GIT_ENONFASTFORWARD.rawValue || status == GIT_EEXISTS.rawValue {
            return rejections.byRef.isEmpty
                ? ["(push)": GitError.last(status, operation: "push").message] : rejections.byRef
        }
        if status < 0 {
            throw StoreError.remoteFailed(remote: url, reason: GitError.last(status, operation: "push").message)
        }
        return rejections.byRef
    }

    /// The refs a remote advertises, by name.
    func remoteReferences(_ url: String) throws -> [String: GitOID] {
        let remote = try self.anonymousRemote(url)
        let connected = git_remote_connect(remote.pointer, GIT_DIRECTION_FETCH, nil, nil, nil)
        guard connected == 0 else {
            throw StoreError.remoteFailed(remote: url, reason: GitError.last(connected, operation: "connect").message)
        }
        defer { git_remote_disconnect(remote.pointer) }
        var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
        var count = 0
        try StoreError.check(git_remote_ls(&heads, &count, remote.pointer), "list \(url)")
        var result: [String: GitOID] = [:]
        for index in 0..<count {
            guard let head = heads?[index]?.pointee, let name = head.name else { continue }
            result[String(cString: name)] = GitOID(head.oid)
        }
        return result
    }

    /// Fetches each (source, destination) refspec pattern from `url`, never forced.
    func fetch(_ patterns: [(source: String, destination: String)], from url: String) throws {
        let remote = try self.anonymousRemote(url)
        var options = git_fetch_options()
        try StoreError.check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), "fetch options")
        let status = try Self.withStringArray(patterns.map { "\($0.source):\($0.destination)" }) { specs in
            git_remote_fetch(remote.pointer, specs, &options, "choros fetch")
        }
        if status < 0 {
            throw StoreError.remoteFailed(remote: url, reason: GitError.last(status, operation: "fetch").message)
        }
    }

    private func anonymousRemote(_ url: String) throws -> GitObject {
        var remote: OpaquePointer?
        let status = git_remote_create_anonymous(&remote, self.pointer, url)
        guard status == 0, let remote else {
            throw StoreError.remoteFailed(remote: url, reason: GitError.last(status, operation: "open remote").message)
        }
        return GitObject(remote, free: git_remote_free)
    }

    private static func withStringArray<Result>(
        _ strings: [String],
        _ body: (UnsafePointer<git_strarray>) throws -> Result
    ) throws -> Result {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        defer { for pointer in pointers { free(pointer) } }
        return try pointers.withUnsafeMutableBufferPointer { buffer in
            var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
            return try body(&array)
        }
    }
}
