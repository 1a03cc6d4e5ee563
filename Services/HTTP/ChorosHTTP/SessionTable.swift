internal import ChorosAuth
internal import ChorosCore
internal import Foundation
internal import Logging

/// The door's live MCP sessions, at most `capacity`: past it the longest idle is closed in
/// memory (its record stays, so its next request reopens it). A session is recorded in
/// `auth.sqlite`, so a restart of `choros-http` costs its clients nothing: the next request
/// naming the session reopens it, bound to the token that opened it and to nothing else.
actor SessionTable {
    private var live: [String: MCPSession] = [:]
    private var opening: [String: Task<MCPSession, any Error>] = [:]
    private let capacity: Int
    private let auth: AuthDatabase
    private let keysDirectory: String
    private let gatewaySocket: String
    private let logger: Logger

    init(capacity: Int, auth: AuthDatabase, keysDirectory: String, gatewaySocket: String, logger: Logger) {
        self.capacity = capacity
        self.auth = auth
        self.keysDirectory = keysDirectory
        self.gatewaySocket = gatewaySocket
        self.logger = logger
    }

    var count: Int { self.live.count }

    /// A new session for the instance a token acts as.
    func open(instance: String, tokenHash: Data) async throws -> MCPSession {
        let id = BearerToken.generate().text.dropFirst(BearerToken.prefix.count)
        let session = try await self.start(id: String(id), instance: instance, tokenHash: tokenHash)
        try self.auth.saveSession(id: session.id, tokenHash: tokenHash, instance: instance)
        return session
    }

    /// The session `id` if the token presented is the one that opened it; nil otherwise.
    func session(id: String, tokenHash: Data) async throws -> MCPSession? {
        if let session = self.live[id] { return session.tokenHash == tokenHash ? session : nil }
        if let pending = self.opening[id] {
            let session = try await pending.value
            return session.tokenHash == tokenHash ? session : nil
        }
        guard let instance = try self.auth.session(id: id, tokenHash: tokenHash) else { return nil }
        return try await self.start(id: id, instance: instance, tokenHash: tokenHash)
    }

    /// Ends a session (DELETE): gone from memory and from the record.
    func close(id: String, tokenHash: Data) async throws -> Bool {
        guard let session = try await self.session(id: id, tokenHash: tokenHash) else { return false }
        self.live[id] = nil
        try self.auth.deleteSession(id: id)
        await session.close()
        return true
    }

    func closeAll() async {
        let sessions = self.live.values
        self.live.removeAll()
        for session in sessions { await session.close() }
    }

    private func start(id: String, instance: String, tokenHash: Data) async throws -> MCPSession {
        guard let key = CustodialKeys.key(keysDirectory: self.keysDirectory, instance: instance) else {
            throw DoorError.noCustodialKey(instance)
        }
        let task = Task { [gatewaySocket, logger] in
            try await MCPSession.start(
                id: id,
                instance: instance,
                tokenHash: tokenHash,
                key: key,
                gatewaySocket: gatewaySocket,
                logger: logger
            )
        }
        self.opening[id] = task
        defer { self.opening[id] = nil }
        let session = try await task.value
        await self.makeRoom()
        self.live[id] = session
        return session
    }

    private func makeRoom() async {
        guard self.live.count >= self.capacity,
            let oldest = self.live.values.min(by: { $0.idleSince < $1.idleSince })
        else { return }
        self.live[oldest.id] = nil
        await oldest.close()
    }
}

enum DoorError: Error, CustomStringConvertible {
    case noCustodialKey(String)
    case listen(String)
    case tls(String)

    var description: String {
        switch self {
        case .noCustodialKey(let instance):
            "no key for '\(instance)' that the HTTP door may hold (keys/connectors/ or keys/instances/)"
        case .listen(let text): "http_listen must be HOST:PORT, got \"\(text)\""
        case .tls(let reason): reason
        }
    }
}
