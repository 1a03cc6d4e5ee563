import ChorosCore
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

/// The practitioner's side of a running deployment: keys on disk, the TOTP secret, the admin
/// socket and the `choros-admin` command line.
extension GatewayFixture {
    var keysDirectory: String { self.daemons.directory.path + "/data/keys" }
    var adminSocket: String { self.daemons.directory.path + "/data/run/admin.sock" }

    /// Enrolls the practitioner and writes its key where choros-admin looks for it.
    @discardableResult
    func preparePractitioner() async throws -> SigningKey {
        let key = try await self.enroll("practitioner")
        let path = self.keysDirectory + "/practitioner.key"
        if !FileManager.default.fileExists(atPath: path) { try key.save(to: path) }
        return key
    }

    /// Writes the airlock's TOTP secret; codes are computed from it by the test.
    func provisionTOTP() throws -> TOTP {
        let secret = TOTPSecret.generate()
        try secret.save(to: self.keysDirectory + "/airlock.totp", replacing: true)
        return TOTP(secret: secret.bytes)
    }

    /// Runs `choros-admin` on this deployment.
    func admin(
        _ arguments: [String],
        timeout: Duration = .seconds(120)
    ) async throws -> (
        status: Int32, output: String, error: String
    ) {
        try await ChildProcess.run(
            "choros-admin",
            arguments + ["--config", self.daemons.configurationPath],
            outputDirectory: self.daemons.directory.path,
            timeout: timeout
        )
    }

    /// A proposal written straight to the store (no gateway policy), at canon's tip: how a
    /// test makes proposals the gateway would refuse to create.
    func rawProposal(_ id: String, _ files: [String: String]) async throws {
        let ref = "refs/cap/proposals/\(id)"
        let canon = try await self.daemons.store.call(StoreRPC.resolve, .with { $0.ref = "refs/heads/main" }).oid
        _ = try await self.daemons.store.call(
            StoreRPC.createBranch,
            .with {
                $0.ref = ref
                $0.oid = canon
            }
        )
        try await self.daemons.commit(ref, files, author: "alice")
    }

    /// A log entry file for seq `seq` (lowercase hex).
    static func logEntry(_ seq: String, type: String = "log") -> String {
        "---\ntype: \(type)\ntitle: Land \(seq)\nseq: \(seq)\n---\n\nWhat this land brings.\n"
    }

    /// Events of `op` in the audit log.
    func auditEvents(op: String) async throws -> [Choros_V1_AuditEvent] {
        try await self.daemons.audit.call(
            AuditRPC.events,
            .with {
                $0.op = op
                $0.limit = 1000
            }
        ).events
    }

    func stateTags() async throws -> [String] {
        try await self.daemons.store.call(StoreRPC.listRefs, .with { $0.prefix = "refs/tags/state/" }).refs.map(\.name)
    }

    /// The anchored seq, read from refs/cap/audit-anchor.
    func anchoredSeq() async throws -> Int64 {
        let blob = try await self.daemons.store.call(
            StoreRPC.readBlob,
            .with {
                $0.rev = "refs/cap/audit-anchor"
                $0.path = "audit-head.json"
            }
        )
        return try JSONParser.parse(Array(blob.content))["seq"]?.integerValue ?? -1
    }
}
