package import ChorosAuth
internal import ChorosClients
package import ChorosCore
package import ChorosProto
internal import ChorosWire
internal import Foundation
internal import NIOConcurrencyHelpers
internal import SwiftProtobuf

/// The practitioner's acts of authority beyond landing: connectors, instances and claims.
extension PractitionerClient {
    // MARK: connectors (the HTTP door's OAuth approvals)

    /// `auth.sqlite`, opened (and migrated) once per client.
    package func authDatabase() throws -> AuthDatabase {
        try self.auth.withLockedValue { auth in
            if let auth { return auth }
            let opened = try AuthDatabase(path: self.configuration.authDatabase)
            auth = opened
            return opened
        }
    }

    /// A console approval: the airlock makes and enrolls the instance's key if it must and
    /// audits the approval; the waiting page then continues by itself.
    package func approveConnector(
        transaction id: String,
        as instance: String? = nil
    ) async throws
        -> AuthDatabase.Grant
    {
        let auth = try self.authDatabase()
        guard let transaction = try auth.transaction(id: id), transaction.grantID == nil else {
            throw PractitionerError("no approval waits as \(id): it expired, or was completed")
        }
        let client = try auth.client(id: transaction.clientID)
        let approval = try await self.admin.call(
            ConnectorRPC.consoleApprove,
            .with {
                $0.transaction = transaction.id
                $0.instance = instance.flatMap { $0.isEmpty ? nil : $0 } ?? transaction.instance
                $0.clientID = transaction.clientID
                $0.clientName = client?.name ?? ""
                $0.redirectUri = transaction.redirectURI
            }
        )
        guard let grant = try auth.approve(transaction: transaction.id, instance: approval.instance, channel: "console")
        else { throw PractitionerError("\(id) was approved or expired meanwhile") }
        return grant
    }

    /// A grant (`chg_…`) with its tokens, or a client (`chc_…`) with every grant it holds;
    /// each revoked grant is audited.
    package func revokeConnector(_ id: String) async throws -> [AuthDatabase.Grant] {
        let auth = try self.authDatabase()
        let grants: [AuthDatabase.Grant]
        if id.hasPrefix("chc_") {
            guard try auth.removeClient(id: id) else { throw PractitionerError("no client \(id)") }
            grants = try auth.grants().filter { $0.clientID == id }
        } else {
            guard let grant = try auth.revoke(grant: id) else { throw PractitionerError("no grant \(id)") }
            grants = [grant]
        }
        for grant in grants {
            _ = try await self.admin.call(
                ConnectorRPC.consoleEvent,
                .with {
                    $0.op = "connector.revoke"
                    $0.clientID = grant.clientID
                    $0.grantID = grant.id
                    $0.instance = grant.instance
                    $0.reason = "revoked by \(self.name)"
                }
            )
        }
        return grants
    }

    // MARK: instances

    package func registry() async throws -> [InstanceRecord] {
        try await self.daemons.store.registryRecords()
    }

    /// A new instance whose key goes to `keys/instances/NAME.key` (0600, in a 0700 folder),
    /// enrolled by the practitioner's signed op. Returns the record and the key file's path.
    package func enroll(_ name: String) async throws -> (record: Choros_V1_InstanceRecord, keyFile: String) {
        let instance: InstanceName
        do { instance = try InstanceName(name) } catch { throw PractitionerError("\(error)") }
        if let existing = try await self.registry().first(where: { $0.name.folded == instance.folded }) {
            throw PractitionerError(
                "name '\(name)' is taken: '\(existing.name)' is enrolled (names are unique ignoring case)"
            )
        }
        let directory = self.configuration.keysDirectory + "/instances"
        let path = directory + "/\(instance.rawValue).key"
        guard !FileManager.default.fileExists(atPath: path) else {
            throw PractitionerError("\(path) exists: remove it or pick another name")
        }
        try FileManager.default.createDirectory(
            atPath: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        // The key file first: an enrolled key nobody holds would be a name lost for good.
        let key = try SigningKey.generate()
        try key.save(to: path)
        do {
            let response = try await self.changeRegistry(.instanceEnroll, name: instance.rawValue, author: key.author)
            return (response.record, path)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    package func revoke(instance name: String) async throws -> Choros_V1_InstanceRecord {
        guard let existing = try await self.registry().first(where: { $0.name.folded == name.lowercased() }) else {
            throw PractitionerError("no instance named '\(name)' is enrolled")
        }
        return try await self.changeRegistry(.instanceRevoke, name: existing.name.rawValue, author: existing.author)
            .record
    }

    /// A practitioner-signed registry op through `admin.sock`.
    package func changeRegistry(
        _ type: OperationType,
        name: String,
        author: AuthorID
    ) async throws -> Choros_V1_RegistryChangeResponse {
        let op = try SignedOperation.make(
            type: type,
            body: ["name": .string(name), "author": .string(author.rawValue)],
            timestamp: self.now,
            key: self.key,
            deployment: try self.configuration.deploymentID()
        )
        return try await self.admin.call(
            type == .instanceEnroll ? AdminRPC.enroll : AdminRPC.revoke,
            .with { $0.op = op.proto }
        )
    }

    // MARK: claims

    package func claims(subject: String = "", entry: String = "") async throws -> Choros_V1_ClaimsForResponse {
        try await self.daemons.index.call(
            IndexRPC.claimsFor,
            .with {
                $0.subject = subject
                $0.entry = entry
                $0.limit = 200
            }
        )
    }

    package func explain(_ claim: String) async throws -> Choros_V1_ClaimExplainResponse {
        try await self.daemons.index.call(IndexRPC.claimExplain, .with { $0.claim = claim })
    }

    /// What refuting or correcting `claim` would invalidate: the cascade's own walk, before
    /// anything is signed.
    package func cascadePreview(_ claim: String) async throws -> [Choros_V1_ClaimInvalidation] {
        try await self.daemons.index.call(IndexRPC.cascade, .with { $0.previewRoot = claim }).pending
    }

    /// A signed `claim.refute` (`scope`) or, with `correctedValue`, `claim.correct`, then its cascade.
    package func judge(
        _ claim: String,
        reason: String,
        scope: String = "value",
        correctedValue: JSONValue? = nil
    ) async throws -> Choros_V1_ClaimJudgeResponse {
        let explanation = try await self.explain(claim)
        var body: [String: JSONValue] = [
            "reason": .string(reason), "target": .string(claim),
            "claim_key": .string(explanation.claim.claimKey),
        ]
        if let correctedValue { body["corrected_value"] = correctedValue } else { body["scope"] = .string(scope) }
        let op = try SignedOperation.make(
            type: correctedValue == nil ? .claimRefute : .claimCorrect,
            body: body,
            timestamp: self.now,
            key: self.key,
            deployment: try self.configuration.deploymentID()
        )
        return try await self.admin.call(
            AdminRPC.claimJudge,
            .with { $0.op = op.proto },
            options: CallOptions(timeout: .seconds(600))
        )
    }
}
