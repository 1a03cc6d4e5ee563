package import ChorosClients
package import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
package import Logging
internal import SwiftProtobuf

/// Who is calling: the enrolled record of the connection's bound key, re-read per call.
struct Caller: Sendable {
    let record: InstanceRecord
    var name: String { self.record.name.rawValue }
    var perspective: String { Gateway.perspective(of: self.name) }
}

/// The gateway's logic: binds connections to keys, authorizes, and runs each tool against
/// the store, audit and index. It keeps no durable state; restart it at any time.
package final class Gateway: Sendable {
    let daemons: DaemonClients
    let configuration: ChorosConfiguration
    let quota: InstanceQuota
    let denials = DenialBudget()
    let cursors = CursorCache()
    let indexRetries = IndexRetries()
    let verifier: OperationVerifier
    /// Named in every challenge and required in every op (TRUST.md, rule 7).
    let deployment: String
    /// Unix milliseconds; injectable so tests can move time.
    let clock: @Sendable () -> Int64
    let logger: Logger

    package init(
        daemons: DaemonClients,
        configuration: ChorosConfiguration,
        logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) throws {
        self.daemons = daemons
        self.configuration = configuration
        self.quota = InstanceQuota(limit: configuration.maximumCallsPerInstance)
        self.verifier = try OperationVerifier(configuration: configuration)
        self.deployment = try configuration.deploymentID()
        self.clock = clock
        self.logger = logger
    }

    var registry: RegistryCache { self.daemons.store.registry }

    /// Tools whose single store Commit verifies the signer and replays a known op itself: they
    /// authorize against the registry snapshot and skip the audit lookup of their own op id.
    static let storeAuthorizedTools: Set<String> = ["kip_commit"]
    /// Reads whose one store answer names the registry tip it saw: they authorize against the
    /// snapshot and re-check the caller when that tip is newer (`recheck`).
    static let tipCheckedReads: Set<String> = ["kip_get"]

    static func perspective(of name: String) -> String { "refs/cap/perspectives/\(name)" }
    static func proposal(_ id: String) -> String { "refs/cap/proposals/\(id)" }
    var canonRef: String { self.configuration.canonRef }

    func canon() async throws -> CanonView {
        try await CanonView.read(self.daemons.store, canonRef: self.canonRef, seqOrigin: self.configuration.seqOrigin)
    }

    // MARK: handshake

    func hello(_ request: Choros_V1_HelloRequest, context: RPCContext) async throws -> Choros_V1_ChallengeResponse {
        let author: AuthorID
        do { author = try AuthorID(parsing: request.author) } catch {
            throw Refusal(.handshake, .invalidArgument, "author: \(error)")
        }
        guard request.clientNonce.count == HandshakeProof.nonceBytes else {
            throw Refusal(
                .handshake,
                .invalidArgument,
                "client_nonce must be \(HandshakeProof.nonceBytes) bytes, got \(request.clientNonce.count)"
            )
        }
        _ = try await self.enrolledRecord(for: author)
        let serverNonce = try HandshakeProof.nonce()
        let challenge = SessionState.Challenge(
            author: author,
            clientNonce: Array(request.clientNonce),
            serverNonce: serverNonce
        )
        try context.session.withState { state throws(Refusal) in try state.challenge(challenge) }
        return .with {
            $0.serverNonce = Data(serverNonce)
            $0.serverTimeMs = self.clock()
            $0.deploymentID = self.deployment
        }
    }

    func prove(_ request: Choros_V1_ProveRequest, context: RPCContext) async throws -> Choros_V1_BoundResponse {
        let challenge = try context.session.withState { state throws(Refusal) in try state.takeChallenge() }
        let message = HandshakeProof.message(
            deployment: self.deployment,
            serverNonce: challenge.serverNonce,
            clientNonce: challenge.clientNonce
        )
        guard challenge.author.verifies(Array(request.sig), over: message) else {
            throw Refusal(
                .handshake,
                .unauthenticated,
                "the proof does not verify for \(challenge.author) over this connection's challenge"
            )
        }
        let record = try await self.enrolledRecord(for: challenge.author)
        context.session.withState { $0 = .bound(challenge.author) }
        context.session.markEstablished()
        self.logger.info("connection bound", metadata: ["instance": "\(record.name)"])
        return .with {
            $0.name = record.name.rawValue
            $0.author = record.author.rawValue
            $0.perspectiveRef = Self.perspective(of: record.name.rawValue)
        }
    }

    /// The key's record, refused when unknown, revoked, or the system's own. `snapshot` takes
    /// the last registry read without asking the store: only for a tool whose one store call
    /// verifies the signer against the store's own registry (and reports its tip).
    func enrolledRecord(for author: AuthorID, snapshot: Bool = false) async throws -> InstanceRecord {
        let cached = snapshot ? self.registry.snapshot?.registry : nil
        let registry: InstanceRegistry
        if let cached { registry = cached } else { registry = try await self.registry.current() }
        guard let record = registry.record(for: author) else {
            throw Refusal(.identity, .permissionDenied, "key \(author) is not enrolled")
        }
        if let revokedAt = record.revokedAt {
            throw Refusal(.identity, .permissionDenied, "'\(record.name)' was revoked at \(revokedAt)")
        }
        guard record.name.folded != "system" else {
            throw Refusal(.identity, .permissionDenied, "the system key does not connect as an instance")
        }
        return record
    }

    /// After a store answer that named `registryTip`: the caller checked again if the registry
    /// moved since the snapshot it was authorized against, so a revocation is never outrun.
    func recheck(_ caller: Caller, registryTip: String) async throws {
        guard !registryTip.isEmpty, self.registry.snapshot?.tip != registryTip else { return }
        _ = try await self.registry.registry(at: registryTip)
        _ = try await self.enrolledRecord(for: caller.record.author, snapshot: true)
    }

    /// The bound caller, re-checked against the registry on every call.
    func caller(_ context: RPCContext, snapshot: Bool = false) async throws -> Caller {
        guard let author = context.session.withState({ $0.boundAuthor }) else {
            throw Refusal(
                .handshake,
                .unauthenticated,
                "this connection is not bound to a key: call Hello, then Prove"
            )
        }
        return Caller(record: try await self.enrolledRecord(for: author, snapshot: snapshot))
    }

    // MARK: refusals are audit events

    /// Records a refusal as `outcome: denied` with its gate and reason. Best effort: an audit
    /// outage must not turn a clear refusal into an obscure failure.
    func recordDenial(
        _ refusal: Refusal,
        tool: String,
        actor: String,
        key: String = "",
        target: (ref: String, path: String) = ("", ""),
        peer: PeerCredentials? = nil
    ) async {
        if ["unbound", "unknown"].contains(actor), let uid = peer?.uid, !self.denials.take(uid) { return }
        // Whatever the caller sent is copied capped: a refusal is recorded, never refused.
        var event = Choros_V1_AuditEventInput()
        event.actor = actor.truncated(toUTF8Bytes: 64)
        event.op = "denied"
        event.outcome = "denied"
        event.requestKey = key.truncated(toUTF8Bytes: 128)
        event.targetRef = target.ref.truncated(toUTF8Bytes: 256)
        event.targetPath = target.path.truncated(toUTF8Bytes: 1024)
        event.detail = Data(
            CanonicalJSON.encode([
                "tool": .string(tool.truncated(toUTF8Bytes: 80)), "gate": .string(refusal.gate.name),
                "reason": .string(refusal.reason.truncated(toUTF8Bytes: 2048)), "code": .string(refusal.code.name),
            ])
        )
        do { try await self.daemons.audit.append(event) } catch {
            self.logger.warning("could not audit a refusal", metadata: ["error": "\(error)"])
        }
    }
}

extension ConnectionSession {
    /// The connection's handshake state (a new connection is unbound).
    func withState<Result: Sendable, Failure: Error>(
        _ body: (inout SessionState) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let outcome: Swift.Result<Result, Failure> = self.withValue { value in
            var state = value as? SessionState ?? .unbound
            defer { value = state }
            do throws(Failure) { return .success(try body(&state)) } catch { return .failure(error) }
        }
        return try outcome.get()
    }
}
