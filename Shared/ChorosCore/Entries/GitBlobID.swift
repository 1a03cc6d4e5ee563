internal import Crypto

/// Git's id of a blob, SHA-1 over "blob <size>\0" and the content: what the store names a
/// file by, so a daemon handed content and an id can check that they belong together.
package enum GitBlobID {
    package static func of(_ content: some Collection<UInt8>) -> String {
        var hasher = Insecure.SHA1()
        hasher.update(data: Array("blob \(content.count)\u{0}".utf8))
        hasher.update(data: Array(content))
        return hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
