/// What verification needs to know about the world: which ops exist, who is enrolled.
package protocol OperationLedger: Sendable {
    /// Whether an op with this id has been executed (so it may be named in `prev`).
    func isKnown(_ id: OpID) -> Bool
    /// The author's registry record, if the key was ever enrolled.
    func record(for author: AuthorID) -> InstanceRecord?
}

/// The result of a successful verification.
package enum VerifiedOperation: Sendable, Equatable {
    /// Valid and new: execute it.
    case fresh(SignedOperation)
    /// Valid and already executed: return the original result, run nothing (not an error).
    case alreadyExecuted(SignedOperation)

    package var operation: SignedOperation {
        switch self {
        case .fresh(let operation), .alreadyExecuted(let operation): operation
        }
    }
}

/// Verifies envelopes strictly and in IDENTITY.md's order; every failure names what failed.
package struct OperationVerifier: Sendable {
    /// How far `ts` may be from server time (`op_freshness_s`, default 300 s).
    package var freshnessMilliseconds: Int64
    /// The deployment every op must name (`dep`); `nil` checks integrity only (history).
    package var deployment: String?

    package init(freshnessSeconds: Int = 300, deployment: String? = nil) {
        self.freshnessMilliseconds = Int64(freshnessSeconds) * 1000
        self.deployment = deployment
    }

    /// The verifier of a running deployment: its freshness window, its deployment id.
    package init(configuration: ChorosConfiguration) throws {
        self.init(freshnessSeconds: configuration.opFreshnessSeconds, deployment: try configuration.deploymentID())
    }

    /// Verifies an envelope given as JSON bytes.
    package func verify(
        json bytes: [UInt8],
        ledger: some OperationLedger,
        now: Int64
    ) throws(OperationError) -> VerifiedOperation {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw .malformedEnvelope(error.description) }
        guard let envelope = value.objectValue else { throw .malformedEnvelope("the envelope must be a JSON object") }
        return try self.verify(envelope: envelope, ledger: ledger, now: now)
    }

    /// Verifies a parsed envelope. `bodyProblem` is what the wire form found wrong with the
    /// body's bytes; it is reported at the body's turn in the order, like any body error.
    package func verify(
        envelope: [String: JSONValue],
        ledger: some OperationLedger,
        now: Int64,
        bodyProblem: BodyError? = nil
    ) throws(OperationError) -> VerifiedOperation {
        for field in ["v", "type", "author", "ts", "prev", "body", "sig", "op_id"] where envelope[field] == nil {
            throw .missingField(field)
        }
        guard envelope["v"] == .integer(SignedOperation.version) else {
            throw .unsupportedVersion(Self.show(envelope["v"]))
        }
        guard let typeName = envelope["type"]?.stringValue, let type = OperationType(rawValue: typeName) else {
            throw .unknownType(Self.show(envelope["type"]))
        }
        guard let authorText = envelope["author"]?.stringValue, let author = try? AuthorID(parsing: authorText) else {
            throw .malformedAuthor(Self.show(envelope["author"]))
        }
        guard let timestamp = envelope["ts"]?.integerValue, timestamp >= 0 else {
            throw .invalidTimestamp(Self.show(envelope["ts"]))
        }
        let previous = try Self.previous(envelope["prev"], ledger: ledger)
        guard let body = envelope["body"]?.objectValue else {
            throw .invalidBody(type: typeName, BodyError(field: "body", problem: "must be an object"))
        }
        if let bodyProblem { throw .invalidBody(type: typeName, bodyProblem) }
        do { try type.validate(body: body) } catch { throw .invalidBody(type: typeName, error) }
        guard let signatureText = envelope["sig"]?.stringValue, let signature = Hex.decode(signatureText),
            signature.count == 64
        else {
            throw .malformedSignature
        }
        guard let idText = envelope["op_id"]?.stringValue, let claimedID = try? OpID(parsing: idText) else {
            throw .malformedOpID(Self.show(envelope["op_id"]))
        }
        let deployment: String?
        switch envelope["dep"] {
        case nil: deployment = nil
        case .string(let text) where DeploymentIdentity.isWellFormed(text): deployment = text
        case let other: throw .malformedDeployment(Self.show(other))
        }
        let payload = SignedOperation.signedPayload(
            type: type,
            author: author,
            timestamp: timestamp,
            previous: previous,
            body: body,
            deployment: deployment
        )
        let computedID = SignedOperation.computeID(payload: payload, signature: signature)
        guard computedID == claimedID else {
            throw .opIDMismatch(claimed: claimedID.rawValue, computed: computedID.rawValue)
        }
        guard Sodium.isValidPublicKey(author.publicKey) else { throw .weakPublicKey(author.rawValue) }
        guard Sodium.hasCanonicalScalar(signature) else { throw .nonCanonicalSignature }
        guard Sodium.verify(signature, message: CanonicalJSON.encode(payload), publicKey: author.publicKey) else {
            throw .badSignature(author: author.rawValue)
        }
        if let expected = self.deployment, deployment != expected {
            throw .wrongDeployment(found: deployment, expected: expected)
        }
        guard let record = ledger.record(for: author) else { throw .unenrolledAuthor(author.rawValue) }
        if let revokedAt = record.revokedAt { throw .revokedAuthor(name: record.name.rawValue, revokedAt: revokedAt) }
        guard abs(now - timestamp) <= self.freshnessMilliseconds else {
            throw .staleTimestamp(timestamp: timestamp, now: now, windowMilliseconds: self.freshnessMilliseconds)
        }
        let operation = SignedOperation(
            type: type,
            author: author,
            timestamp: timestamp,
            previous: previous,
            body: body,
            signature: signature,
            id: claimedID,
            deployment: deployment
        )
        return ledger.isKnown(claimedID) ? .alreadyExecuted(operation) : .fresh(operation)
    }

    private static func previous(_ value: JSONValue?, ledger: some OperationLedger) throws(OperationError) -> [OpID] {
        guard let items = value?.arrayValue else { throw .malformedPrevious(Self.show(value)) }
        var ids: [OpID] = []
        for item in items {
            guard let text = item.stringValue, let id = try? OpID(parsing: text) else {
                throw .malformedPrevious(Self.show(item))
            }
            guard ledger.isKnown(id) else { throw .unknownPrevious(id.rawValue) }
            ids.append(id)
        }
        return ids
    }

    /// A short rendering of an offending value for a message (never a whole payload).
    private static func show(_ value: JSONValue?) -> String {
        guard let value else { return "nothing" }
        let text = String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
        return text.count > 80 ? String(text.prefix(80)) + "…" : text
    }
}

/// A ledger from the registry and the op ids a caller looked up beforehand (the verifier is
/// synchronous; the lookups are not). `known == nil` means the caller is not the authority
/// on which ops ran, so every `prev` counts as known (the store and the airlock).
package struct RegistryLedger: OperationLedger {
    package let registry: InstanceRegistry
    package let known: Set<OpID>?

    package init(registry: InstanceRegistry, known: Set<OpID>? = nil) {
        self.registry = registry
        self.known = known
    }

    package func isKnown(_ id: OpID) -> Bool { self.known?.contains(id) ?? true }
    package func record(for author: AuthorID) -> InstanceRecord? { self.registry.record(for: author) }
}
