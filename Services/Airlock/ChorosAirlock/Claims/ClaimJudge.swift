package import ChorosClients
package import ChorosCore
package import ChorosProto
internal import ChorosWire
internal import Foundation
package import Logging
internal import SwiftProtobuf

/// The practitioner's refutes and corrections (CLAIMS.md), and the cascade each one starts:
/// one system-signed `claim.invalidate` per transitively affected claim, then one inbox
/// message per author of invalidated claims. An actor, so cascades never interleave.
package actor ClaimJudge {
    let daemons: DaemonClients
    let configuration: ChorosConfiguration
    let logger: Logger
    let clock: @Sendable () -> Int64
    private var systemKey: SigningKey?

    /// The system's perspective, where the cascade's inbox messages are committed.
    static let systemRef = "refs/cap/perspectives/system"
    /// Invalidations per audit append and index apply.
    static let batchSize = 500

    package init(
        daemons: DaemonClients,
        configuration: ChorosConfiguration,
        logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.daemons = daemons
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
    }

    /// Records a practitioner-signed `claim.refute` / `claim.correct` and runs its cascade.
    /// The same signed op again records nothing and completes the cascade if a crash cut it.
    package func judge(_ message: Choros_V1_SignedOp) async throws -> Choros_V1_ClaimJudgeResponse {
        let registry = try await self.daemons.store.registry.current()
        let verifier = try OperationVerifier(configuration: self.configuration)
        let operation: SignedOperation
        do {
            operation = try verifier.verify(message, ledger: RegistryLedger(registry: registry), now: self.clock())
                .operation
        } catch {
            throw Refusal(.op, error.rpcError.code, error.description)
        }
        guard operation.type == .claimRefute || operation.type == .claimCorrect else {
            throw Refusal(
                .claimJudge,
                .invalidArgument,
                "expected a claim.refute or claim.correct op, got \(operation.type)"
            )
        }
        let name = try await self.daemons.store.registry.approverName(
            operation.author,
            approvers: self.configuration.approvers,
            gate: .claimJudge
        )
        let cause = operation.id.rawValue
        if let recorded = try await self.daemons.audit.call(AuditRPC.find, .with { $0.opID = cause }).events.first {
            var response = try await self.runCascade(cause: cause)
            response.replayed = true
            response.auditSeq = recorded.seq
            return response
        }
        let check = try await self.daemons.index.call(
            IndexRPC.claimCheck,
            .with {
                $0.envelope = Data(operation.canonicalBytes)
                $0.actor = name
            }
        )
        guard check.ok else { throw Refusal(Refusal.Gate(relaying: check.gate), check.code, check.reason) }
        let events = try await self.daemons.audit.append([
            .with {
                $0.actor = name
                $0.op = operation.type.rawValue
                $0.targetPath = operation.body["claim_key"]?.stringValue ?? ""
                $0.opID = cause
                $0.requestKey = operation.body["key"]?.stringValue ?? ""
                $0.outcome = "ok"
                $0.detail = Data(CanonicalJSON.encode(["target": operation.body["target"] ?? .null]))
                $0.envelope = Data(operation.canonicalBytes)
            }
        ])
        _ = try await self.daemons.index.call(IndexRPC.claimApply, .with { $0.events = events })
        var response = try await self.runCascade(cause: cause)
        response.auditSeq = events.first?.seq ?? 0
        return response
    }

    /// Emits what the cause's cascade still lacks, then the missing inbox messages. Running
    /// it again emits nothing new.
    package func runCascade(cause: String) async throws -> Choros_V1_ClaimJudgeResponse {
        let plan = try await self.daemons.index.call(
            IndexRPC.cascade,
            .with { $0.cause = cause },
            options: CallOptions(timeout: .seconds(120))
        )
        let key = try self.loadSystemKey()
        var emitted: [Choros_V1_ClaimInvalidation] = []
        for start in stride(from: 0, to: plan.pending.count, by: Self.batchSize) {
            let batch = Array(plan.pending[start..<min(start + Self.batchSize, plan.pending.count)])
            var inputs: [Choros_V1_AuditEventInput] = []
            for var invalidation in batch {
                let operation = try SignedOperation.make(
                    type: .claimInvalidate,
                    body: [
                        "target": .string(invalidation.target), "cause": .string(cause),
                        "path": .array(invalidation.path.map { .string($0) }),
                    ],
                    timestamp: self.clock(),
                    key: key,
                    deployment: try self.configuration.deploymentID()
                )
                invalidation.opID = operation.id.rawValue
                emitted.append(invalidation)
                inputs.append(
                    .with {
                        $0.actor = "system"
                        $0.op = OperationType.claimInvalidate.rawValue
                        $0.opID = operation.id.rawValue
                        $0.outcome = "ok"
                        $0.detail = Data(CanonicalJSON.encode(["target": .string(invalidation.target)]))
                        $0.envelope = Data(operation.canonicalBytes)
                    }
                )
            }
            let events = try await self.daemons.audit.append(inputs)
            _ = try await self.daemons.index.call(
                IndexRPC.claimApply,
                .with { $0.events = events },
                options: CallOptions(timeout: .seconds(60))
            )
        }
        let invalidations = plan.done + emitted
        var response = Choros_V1_ClaimJudgeResponse()
        response.opID = cause
        response.target = plan.root
        response.invalidations = invalidations
        response.messages = try await self.notifyAuthors(cause: cause, root: plan.root, invalidations)
        if !emitted.isEmpty {
            self.logger.info(
                "cascade emitted invalidations",
                metadata: ["cause": "\(cause)", "count": "\(emitted.count)"]
            )
        }
        return response
    }

    func loadSystemKey() throws -> SigningKey {
        if let key = self.systemKey { return key }
        let key = try SigningKey.load(from: self.configuration.keysDirectory + "/system.key")
        self.systemKey = key
        return key
    }
}
