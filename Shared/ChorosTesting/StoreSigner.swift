internal import ChorosClients
package import ChorosCore
package import ChorosProto
package import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// Signs the commits tests and benchmarks make straight to `choros-store` the way the daemons do, since the
/// store verifies every write itself (TRUST.md): a perspective's owner signs its commits, an
/// enrolled instance its proposals, the practitioner the registry and every other ref. Names
/// are enrolled on first use (the practitioner first, into an empty registry).
///
/// A test's own op id (`op_1`) is an alias: the first commit with it is signed, and a retry
/// with the same alias sends the same signed op, so replays behave as they would for real.
package final class StoreSigner: Sendable {
    package let store: WireClient
    package let keys = Shared<[String: SigningKey]>([:])
    private let aliases = Shared<[String: Choros_V1_SignedOp]>([:])

    /// The deployment's id file (`keys/deployment.id`), read when first needed: the store
    /// makes it when it starts, and every op must name it.
    private let deploymentFile: String?

    package init(store: WireClient, deploymentFile: String? = nil) {
        self.store = store
        self.deploymentFile = deploymentFile
    }

    package var deployment: String? {
        guard let path = self.deploymentFile, let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    package static let registry = "refs/cap/registry"

    /// The real op id behind a test's alias.
    package func opID(_ alias: String) -> String { self.aliases.value[alias]?.opID ?? alias }

    /// Signs `request` for its ref, keeping the alias (if any) for retries.
    package func sign(_ request: inout Choros_V1_CommitRequest) async throws {
        let alias = request.opID
        if !alias.isEmpty, let op = self.aliases.value[alias] {
            request.op = op
            request.opID = op.opID
            return
        }
        precondition(request.ref != Self.registry, "tests change the registry with enroll and revoke")
        let op = try await self.op(for: request)
        request.op = op
        request.opID = op.opID
        if !alias.isEmpty { self.aliases.mutate { $0[alias] = op } }
    }

    private func op(for request: Choros_V1_CommitRequest) async throws -> Choros_V1_SignedOp {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let key: JSONValue = .string(request.requestKey.isEmpty ? UUID().uuidString : request.requestKey)
        if request.ref.hasPrefix("refs/cap/perspectives/") {
            let owner = String(request.ref.dropFirst("refs/cap/perspectives/".count))
            return try SignedOperation.make(
                type: .reconcileReport,
                body: ["report": "a test's commit", "key": key],
                timestamp: now,
                key: try await self.key(for: owner),
                deployment: self.deployment
            ).proto
        }
        if request.ref.hasPrefix("refs/cap/proposals/") {
            return try SignedOperation.make(
                type: .proposalAdd,
                body: [
                    "key": key, "proposal_id": .string(String(request.ref.dropFirst("refs/cap/proposals/".count))),
                    "domain": "notes", "slug": "test", "body": "a test's proposal",
                ],
                timestamp: now,
                key: try await self.key(for: request.author.isEmpty ? "alice" : request.author),
                deployment: self.deployment
            ).proto
        }
        return try SystemCommit.sign(
            ref: request.ref,
            changes: request.changes,
            key: try await self.practitioner(),
            deployment: self.deployment
        )
    }

    /// `name`'s key, enrolling it on first use (once, however many writers ask at once).
    package func key(for name: String) async throws -> SigningKey {
        if let key = self.keys.value[name.lowercased()] { return key }
        return try await self.enrollments.once(name.lowercased()) { try await self.enroll(name) }
    }

    private let enrollments = Enrollments()

    private actor Enrollments {
        var running: [String: Task<SigningKey, any Error>] = [:]

        func once(_ name: String, _ body: @escaping @Sendable () async throws -> SigningKey) async throws -> SigningKey
        {
            if let task = self.running[name] { return try await task.value }
            let task = Task { try await body() }
            self.running[name] = task
            return try await task.value
        }
    }

    package func practitioner() async throws -> SigningKey { try await self.key(for: "practitioner") }

    /// Enrolls `name` with `key` (a new one by default) through a practitioner-signed op.
    @discardableResult
    package func enroll(_ name: String, key given: SigningKey? = nil) async throws -> SigningKey {
        if let known = self.keys.value[name.lowercased()], given == nil || given?.author == known.author {
            return known
        }
        let key = try given ?? SigningKey.generate()
        let isPractitioner = name.lowercased() == "practitioner"
        let signer = isPractitioner ? key : try await self.practitioner()
        let op = try SignedOperation.make(
            type: .instanceEnroll,
            body: ["name": .string(name), "author": .string(key.author.rawValue)],
            timestamp: Int64(Date().timeIntervalSince1970 * 1000),
            key: signer,
            deployment: self.deployment
        )
        let record = InstanceRecord(name: try InstanceName(name), author: key.author, enrolledAt: op.timestamp)
        try await self.commitRegistry(record, op: op)
        self.keys.mutate { $0[name.lowercased()] = key }
        return key
    }

    /// Revokes `name` through a practitioner-signed op; its record keeps the op's time.
    package func revoke(_ name: String) async throws {
        let key = try await self.key(for: name)
        let op = try SignedOperation.make(
            type: .instanceRevoke,
            body: ["name": .string(name), "author": .string(key.author.rawValue)],
            timestamp: Int64(Date().timeIntervalSince1970 * 1000),
            key: try await self.practitioner(),
            deployment: self.deployment
        )
        let registry = try await StoreClient(self.store).registryRecords()
        guard var record = registry.first(where: { $0.author == key.author }) else { return }
        record.revokedAt = op.timestamp
        try await self.commitRegistry(record, op: op)
    }

    /// Retried when another enrollment moved the registry first.
    private func commitRegistry(_ record: InstanceRecord, op: SignedOperation) async throws {
        for attempt in 1...20 {
            do {
                return try await self.commitRegistryOnce(record, op: op)
            } catch let error as RPCError where error.code == .aborted && attempt < 20 {
                continue
            }
        }
    }

    private func commitRegistryOnce(_ record: InstanceRecord, op: SignedOperation) async throws {
        let parent = (try? await self.store.call(StoreRPC.resolve, .with { $0.ref = Self.registry }).oid) ?? ""
        _ = try await self.store.call(
            StoreRPC.commit,
            .with {
                $0.ref = Self.registry
                $0.changes = [
                    .with {
                        $0.path = record.path
                        $0.content = Data(record.fileContent)
                    }
                ]
                $0.subject = "\(op.type == .instanceEnroll ? "enroll" : "revoke") \(record.name)"
                $0.author = "practitioner"
                $0.expectedParent = parent
                $0.opID = op.id.rawValue
                $0.op = op.proto
            }
        )
    }
}
