/// A signed, content-addressed operation (IDENTITY.md, "The envelope").
///
/// `sig` signs canonical `{v, type, author, ts, prev, body}`; `op_id` is BLAKE2b-256 of the
/// canonical envelope without `op_id` (so `sig` included).
package struct SignedOperation: Sendable, Equatable {
    package static let version: Int64 = 1

    package let type: OperationType
    package let author: AuthorID
    /// Unix milliseconds, the author's clock.
    package let timestamp: Int64
    package let previous: [OpID]
    /// Validated for `type`; unknown extra fields are kept and signed.
    package let body: [String: JSONValue]
    package let signature: [UInt8]
    package let id: OpID
    /// The deployment this op is for (`dep`): signed, so it cannot be replayed into another.
    /// `nil` only in ops recorded before deployments were named.
    package let deployment: String?

    /// Validates `body`, signs and names a new operation.
    ///
    /// - Throws: `OperationError.invalidBody` naming the field.
    package static func make(
        type: OperationType,
        body: [String: JSONValue],
        previous: [OpID] = [],
        timestamp: Int64,
        key: SigningKey,
        deployment: String?
    ) throws(OperationError) -> SignedOperation {
        do { try type.validate(body: body) } catch { throw .invalidBody(type: type.rawValue, error) }
        guard timestamp >= 0, timestamp <= JSONValue.maximumInteger else { throw .invalidTimestamp("\(timestamp)") }
        let payload = Self.signedPayload(
            type: type,
            author: key.author,
            timestamp: timestamp,
            previous: previous,
            body: body,
            deployment: deployment
        )
        let signature = key.sign(CanonicalJSON.encode(payload))
        let id = Self.computeID(payload: payload, signature: signature)
        return SignedOperation(
            type: type,
            author: key.author,
            timestamp: timestamp,
            previous: previous,
            body: body,
            signature: signature,
            id: id,
            deployment: deployment
        )
    }

    init(
        type: OperationType,
        author: AuthorID,
        timestamp: Int64,
        previous: [OpID],
        body: [String: JSONValue],
        signature: [UInt8],
        id: OpID,
        deployment: String?
    ) {
        self.deployment = deployment
        self.type = type
        self.author = author
        self.timestamp = timestamp
        self.previous = previous
        self.body = body
        self.signature = signature
        self.id = id
    }

    /// The whole envelope, `op_id` included.
    package var json: JSONValue {
        guard case .object(var members) = self.signedPayload else { return self.signedPayload }
        members["sig"] = .string(Hex.encode(self.signature))
        members["op_id"] = .string(self.id.rawValue)
        return .object(members)
    }

    /// The envelope's canonical bytes, as stored in the audit log.
    package var canonicalBytes: [UInt8] { CanonicalJSON.encode(self.json) }

    /// The body's canonical bytes, as `SignedOp.body` carries them.
    package var canonicalBody: [UInt8] { CanonicalJSON.encode(.object(self.body)) }

    var signedPayload: JSONValue {
        Self.signedPayload(
            type: self.type,
            author: self.author,
            timestamp: self.timestamp,
            previous: self.previous,
            body: self.body,
            deployment: self.deployment
        )
    }

    static func signedPayload(
        type: OperationType,
        author: AuthorID,
        timestamp: Int64,
        previous: [OpID],
        body: [String: JSONValue],
        deployment: String?
    ) -> JSONValue {
        var payload: [String: JSONValue] = [
            "v": .integer(Self.version),
            "type": .string(type.rawValue),
            "author": .string(author.rawValue),
            "ts": .integer(timestamp),
            "prev": .array(previous.map { .string($0.rawValue) }),
            "body": .object(body),
        ]
        if let deployment { payload["dep"] = .string(deployment) }
        return .object(payload)
    }

    static func computeID(payload: JSONValue, signature: [UInt8]) -> OpID {
        guard case .object(var members) = payload else { return OpID(digest: Sodium.blake2b256([])) }
        members["sig"] = .string(Hex.encode(signature))
        return OpID(digest: Sodium.blake2b256(CanonicalJSON.encode(.object(members))))
    }
}
