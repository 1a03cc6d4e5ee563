import ArgumentParser
internal import ChorosClients
import ChorosCore
import ChorosPractitioner
import ChorosProto
import ChorosWire
import Foundation
import SwiftProtobuf

/// What every practitioner command needs: the configuration, the daemons' sockets, the
/// practitioner's keys, and one way to turn a refusal into "reason on stderr, exit 1".
struct AdminSession {
    let configuration: ChorosConfiguration
    let admin: WireClient
    let store: WireClient
    let audit: WireClient
    let index: WireClient

    init(_ options: DaemonOptions) throws {
        self.configuration = try options.withDefaultDataDirectory.loadConfiguration()
        self.admin = WireClient(socketPath: self.configuration.socketPath(for: "admin"))
        self.store = WireClient(socketPath: self.configuration.socketPath(for: "store"))
        self.audit = WireClient(socketPath: self.configuration.socketPath(for: "audit"))
        self.index = WireClient(socketPath: self.configuration.socketPath(for: "index"))
    }

    var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// `<keys_dir>/<name>.key`: the practitioner's (or another approver's) signing key.
    func approverKeyPath(_ name: String) -> String { self.configuration.keysDirectory + "/\(name).key" }

    /// `<keys_dir>/instances/<name>.key`: an instance's key, for handing to its MCP bridge.
    func instanceKeyPath(_ name: String) -> String { self.configuration.keysDirectory + "/instances/\(name).key" }

    func approverKey(_ name: String = "practitioner") throws -> SigningKey {
        guard self.configuration.approvers.contains(where: { $0.lowercased() == name.lowercased() }) else {
            throw AdminFailure(
                "'\(name)' is not a configured approver (\(self.configuration.approvers.joined(separator: ", ")))"
            )
        }
        do { return try SigningKey.load(from: self.approverKeyPath(name)) } catch {
            throw AdminFailure("\(error) (run choros-admin init first)")
        }
    }

    /// Runs the command's calls; a refusal prints its reason on stderr and exits 1.
    func run<Result>(_ body: () async throws -> Result) async throws -> Result {
        let outcome: Swift.Result<Result, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        for client in [self.admin, self.store, self.audit, self.index] { await client.close() }
        switch outcome {
        case .success(let result):
            return result
        case .failure(let error as RPCError):
            FileHandle.standardError.write(Data("choros-admin: \(error.message)\n".utf8))
            throw ExitCode.failure
        case .failure(let failure as AdminFailure):
            FileHandle.standardError.write(Data("choros-admin: \(failure.message)\n".utf8))
            throw ExitCode.failure
        case .failure(let error):
            throw error
        }
    }

    /// Runs `body` with the practitioner's client (acting as `approver`), closed afterwards;
    /// a refusal prints its reason and exits 1, as `run` does.
    func practitioner<Result>(
        _ approver: String = "practitioner",
        _ body: (PractitionerClient) async throws -> Result
    ) async throws -> Result {
        try await self.run {
            let client: PractitionerClient
            do { client = try PractitionerClient(configuration: self.configuration, approver: approver) } catch {
                throw AdminFailure("\(error)")
            }
            let outcome: Swift.Result<Result, any Error>
            do { outcome = .success(try await body(client)) } catch { outcome = .failure(error) }
            await client.close()
            if case .failure(let error as PractitionerError) = outcome { throw AdminFailure(error.message) }
            return try outcome.get()
        }
    }

    func tip(_ ref: String) async throws -> String? {
        do {
            return try await self.store.call(StoreRPC.resolve, .with { $0.ref = ref }).oid
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }

    func registry() async throws -> [InstanceRecord] {
        try await StoreClient(self.store).registryRecords()
    }
}

/// A refusal the CLI itself makes (before any daemon is asked).
struct AdminFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Prints a JSON object of plain values (for commands whose result is not one message).
func printJSONObject(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
