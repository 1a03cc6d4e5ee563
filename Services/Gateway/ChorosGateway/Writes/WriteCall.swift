internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// A verified write: the caller, the op it signed, and the request key its body carries.
struct WriteCall: Sendable {
    let caller: Caller
    let operation: SignedOperation
    /// Whether the audit log already holds this exact op (a retry of the same signed op).
    let alreadyExecuted: Bool
    /// The caller's request key (the tool's `op_id` argument); empty when the tool has none.
    let key: String
    /// A TOTP code that travelled beside the op (airlock relays only).
    let code: String

    var opID: String { self.operation.id.rawValue }
    var envelope: Data { Data(self.operation.canonicalBytes) }
}

extension Gateway {
    /// The largest op body a write may carry: an entry is prose, not a payload.
    static let maximumBodyBytes = 1 << 20

    /// Runs one tool call for the connection's bound caller; a refusal is audited as denied.
    func serve<Result: Sendable>(
        tool: String,
        context: RPCContext,
        _ body: (Caller) async throws -> Result
    ) async throws -> Result {
        var actor = "unbound"
        do {
            let snapshot = Self.storeAuthorizedTools.contains(tool) || Self.tipCheckedReads.contains(tool)
            let caller = try await self.caller(context, snapshot: snapshot)
            actor = caller.name
            return try await self.quota.run(caller.record.name.folded) { try await body(caller) }
        } catch let refusal as Refusal where refusal.gate == .quota {
            throw refusal  // load shedding: recording each one would be the load
        } catch let refusal as Refusal {
            await self.recordDenial(refusal, tool: tool, actor: actor, peer: context.peer)
            throw refusal
        } catch let error as RPCError where error.details["gate"] != nil {
            // A refusal of a daemon behind the gateway (the airlock's): audited here too, as
            // the tool's refusal.
            await self.recordDenial(
                Refusal(Refusal.Gate(relaying: error.details["gate"] ?? ""), error.code, error.message),
                tool: tool,
                actor: actor
            )
            throw error
        }
    }

    /// Identity and op verification for a write (IDENTITY.md's order), then the checks every
    /// instance write shares: the signer is this connection's key, the type is the tool's,
    /// and any `instance_id` / `sender` names the caller.
    func verifyWrite(
        _ message: Choros_V1_SignedOp,
        type: OperationType,
        tool: String,
        code: String,
        caller: Caller
    ) async throws -> WriteCall {
        guard message.author == caller.record.author.rawValue else {
            throw Refusal(
                .identity,
                .permissionDenied,
                "this connection is bound to '\(caller.name)'; the op is signed by \(message.author.isEmpty ? "nobody" : message.author)"
            )
        }
        guard message.body.count <= Self.maximumBodyBytes else {
            throw Refusal(
                .input,
                .resourceExhausted,
                "the op's body is \(message.body.count) bytes; an entry may be at most \(Self.maximumBodyBytes) bytes"
            )
        }
        guard message.type == type.rawValue else {
            throw Refusal.input("\(tool) takes a \(type) op, got '\(message.type)'")
        }
        var known: Set<OpID> = []
        let ownID = Self.storeAuthorizedTools.contains(tool) ? [] : [message.opID]
        for text in message.prev + ownID {
            guard let id = try? OpID(parsing: text), !known.contains(id) else { continue }
            if try await !self.daemons.audit.events(opID: text).isEmpty { known.insert(id) }
        }
        // The audit log's answers, looked up before verifying (the verifier is synchronous).
        let snapshot = Self.storeAuthorizedTools.contains(tool) ? self.registry.snapshot?.registry : nil
        let registry: InstanceRegistry
        if let snapshot { registry = snapshot } else { registry = try await self.registry.current() }
        let ledger = RegistryLedger(registry: registry, known: known)
        let verified: VerifiedOperation
        do {
            verified = try self.verifier.verify(message, ledger: ledger, now: self.clock())
        } catch {
            throw Refusal(.op, error.rpcError.code, error.description)
        }
        let operation = verified.operation
        for field in ["instance_id", "sender"] {
            if let named = operation.body[field]?.stringValue, !named.isEmpty,
                named.lowercased() != caller.record.name.folded
            {
                throw Refusal(
                    .identity,
                    .permissionDenied,
                    "this connection is bound to '\(caller.name)'; \(field) names '\(named)'"
                )
            }
        }
        return WriteCall(
            caller: caller,
            operation: operation,
            alreadyExecuted: { if case .alreadyExecuted = verified { true } else { false } }(),
            key: operation.body["key"]?.stringValue ?? "",
            code: code
        )
    }

    /// The audit event of an executed instance op.
    func auditEvent(
        _ call: WriteCall,
        ref: String,
        path: String,
        resultOID: String = "",
        detail: [String: JSONValue] = [:]
    ) -> Choros_V1_AuditEventInput {
        .with {
            $0.actor = call.caller.name
            $0.op = call.operation.type.rawValue
            $0.targetRef = ref
            $0.targetPath = path
            $0.opID = call.opID
            $0.requestKey = call.key
            $0.resultOid = resultOID
            $0.outcome = "ok"
            $0.detail = Data(CanonicalJSON.encode(.object(detail)))
            $0.envelope = call.envelope
        }
    }
}
