internal import ChorosProto
package import ChorosWire
internal import Foundation

/// A path inside the knowledge tree, checked against every rule of STORE.md before any git
/// call sees it: relative, UTF-8 in NFC, at most 512 bytes, no empty, `.` or `..` component,
/// no `.git` component, no backslash, no control characters.
package struct EntryPath: Sendable, Hashable, CustomStringConvertible {
    package static let maximumBytes = 512

    package let rawValue: String

    /// - Throws: `EntryPathError` (INVALID_ARGUMENT on the wire) naming the broken rule.
    package init(_ path: String) throws(EntryPathError) {
        try Self.validate(path)
        self.rawValue = path
    }

    package var description: String { self.rawValue }

    package var components: [Substring] { self.rawValue.split(separator: "/", omittingEmptySubsequences: false) }

    private static func validate(_ path: String) throws(EntryPathError) {
        guard !path.isEmpty else { throw .empty }
        let bytes = path.utf8.count
        guard bytes <= Self.maximumBytes else { throw .tooLong(bytes: bytes, limit: Self.maximumBytes) }
        guard !path.hasPrefix("/") else { throw .absolute(path) }
        if let scalar = path.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw .controlCharacter(path: path, codePoint: scalar.value)
        }
        guard !path.contains("\\") else { throw .backslash(path) }
        guard Array(path.precomposedStringWithCanonicalMapping.utf8) == Array(path.utf8) else {
            throw .notNFC(path)
        }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            switch component {
            case "": throw .emptyComponent(path)
            case ".", "..": throw .dotComponent(path: path, component: String(component))
            case _ where component.lowercased() == ".git": throw .gitComponent(path)
            default: continue
            }
        }
    }
}

/// Why a path was refused; every case is INVALID_ARGUMENT on the wire.
package enum EntryPathError: Error, Equatable, CustomStringConvertible, WireErrorConvertible {
    case empty
    case tooLong(bytes: Int, limit: Int)
    case absolute(String)
    case controlCharacter(path: String, codePoint: UInt32)
    case backslash(String)
    case notNFC(String)
    case emptyComponent(String)
    case dotComponent(path: String, component: String)
    case gitComponent(String)

    package var description: String {
        switch self {
        case .empty: "path is empty"
        case .tooLong(let bytes, let limit): "path is \(bytes) bytes, the limit is \(limit)"
        case .absolute(let path): "path '\(path)' is absolute; paths are relative to the tree"
        case .controlCharacter(_, let codePoint):
            "path contains the control character U+\(String(format: "%04X", codePoint))"
        case .backslash(let path): "path '\(path)' contains a backslash"
        case .notNFC(let path): "path '\(path)' is not in Unicode NFC"
        case .emptyComponent(let path): "path '\(path)' has an empty component"
        case .dotComponent(let path, let component): "path '\(path)' has a '\(component)' component"
        case .gitComponent(let path): "path '\(path)' has a '.git' component"
        }
    }

    package var rpcError: RPCError { RPCError(code: .invalidArgument, message: self.description) }
}
