internal import Foundation

/// A land in progress, written (fsynced) before canon moves and removed after the last step,
/// so a restarted airlock finishes exactly the land a crash interrupted (CANON.md).
struct LandOrder: Codable, Sendable, Equatable {
    var proposalID: String
    var candidate: String
    var previousCanon: String
    var seq: Int
    /// `console` or `airlock`.
    var channel: String
    var approver: String
    /// The practitioner-signed `canon.land` op, canonical JSON.
    var approval: Data
    var approvalOpID: String
    /// Extra facts for the audit event (the airlock's windows and relaying instance).
    var detail: [String: String] = [:]
    /// The canon paths the land adds or modifies, from the one analysis of the merge at plan
    /// time; `nil` in an order written before they were carried (or rebuilt from canon), which
    /// then asks the store again.
    var changedPaths: [String]? = nil
    /// Who wrote the proposal: the author of the canon rows it adds, so the index need not
    /// walk a path's history to find it.
    var proposer: String? = nil

    /// Where the order of the land in progress lives.
    struct File: Sendable {
        let path: String

        func read() throws -> LandOrder? {
            guard let data = FileManager.default.contents(atPath: self.path) else { return nil }
            return try JSONDecoder().decode(LandOrder.self, from: data)
        }

        /// Written to a temporary file, fsynced, then renamed: the order is whole or absent.
        func write(_ order: LandOrder) throws {
            let directory = (self.path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let temporary = self.path + ".tmp"
            let data = try JSONEncoder().encode(order)
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard descriptor >= 0 else { throw LandOrderError.cannotWrite(temporary, errno) }
            defer { close(descriptor) }
            let written = data.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            guard written == data.count, fsync(descriptor) == 0, rename(temporary, self.path) == 0 else {
                throw LandOrderError.cannotWrite(self.path, errno)
            }
        }

        func remove() throws {
            if unlink(self.path) != 0, errno != ENOENT { throw LandOrderError.cannotWrite(self.path, errno) }
        }
    }
}

enum LandOrderError: Error, CustomStringConvertible {
    case cannotWrite(String, Int32)

    var description: String {
        switch self {
        case .cannotWrite(let path, let code): "cannot write \(path): \(String(cString: strerror(code)))"
        }
    }
}
