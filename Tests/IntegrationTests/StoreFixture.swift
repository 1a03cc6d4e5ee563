import ChorosCore
import ChorosProto
import ChorosStore
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

/// A running `choros-store` on a fresh data directory, with a client and a git CLI witness.
final class StoreFixture: Sendable {
    let directory: TemporaryDirectory
    let configurationPath: String
    let gitDirectory: String
    let client: WireClient
    let daemon: Shared<ChildProcess?>
    let signer: StoreSigner

    init(extraConfiguration: String = "") async throws {
        self.directory = try TemporaryDirectory()
        self.configurationPath = self.directory.appending("choros.toml")
        self.gitDirectory = self.directory.appending("data/git")
        try
            "data_dir = \"\(self.directory.path)/data\"\nbackup_dirs = [\"\(self.directory.path)\"]\n\(extraConfiguration)"
            .write(toFile: self.configurationPath, atomically: true, encoding: .utf8)
        self.client = WireClient(socketPath: self.directory.path + "/data/run/store.sock")
        self.daemon = Shared(nil)
        self.signer = StoreSigner(store: self.client, deploymentFile: self.directory.path + "/data/keys/deployment.id")
        try await self.start()
    }

    /// Starts the daemon and waits for its Health.
    func start() async throws {
        let process = try ChildProcess(
            "choros-store",
            ["--config", self.configurationPath],
            outputDirectory: self.directory.path
        )
        self.daemon.mutate { $0 = process }
        _ = try await self.client.call(HealthRPC.check, .init(), options: CallOptions(timeout: .seconds(20)))
    }

    func stop(signal: Int32 = SIGTERM) async throws {
        guard let process = self.daemon.value else { return }
        process.signal(signal)
        _ = try await process.waitForExit(timeout: .seconds(20))
        self.daemon.mutate { $0 = nil }
    }

    func tearDown() async {
        try? await self.stop()
        await self.client.close()
        self.directory.remove()
    }

    /// Runs `body` with a fresh fixture and always tears it down.
    static func with<Result>(
        extraConfiguration: String = "",
        _ body: (StoreFixture) async throws -> Result
    ) async throws -> Result {
        try await TestSlots.shared {
            let fixture = try await StoreFixture(extraConfiguration: extraConfiguration)
            do {
                let result = try await body(fixture)
                await fixture.tearDown()
                return result
            } catch {
                await fixture.tearDown()
                throw error
            }
        }
    }

    // MARK: calls

    @discardableResult
    func commit(
        _ ref: String,
        _ files: [String: String],
        deleting: [String] = [],
        expectedParent: String = "",
        opID: String = "",
        key: String = "",
        author: String = "alice"
    ) async throws -> Choros_V1_CommitResponse {
        var request = Choros_V1_CommitRequest()
        request.ref = ref
        request.changes =
            files.sorted { $0.key < $1.key }.map { path, text in
                .with {
                    $0.path = path
                    $0.content = Data(text.utf8)
                }
            }
            + deleting.map { path in
                .with {
                    $0.path = path
                    $0.delete = true
                }
            }
        request.subject = "KIP \(files.keys.sorted().first ?? deleting.first ?? "")"
        request.author = author
        request.expectedParent = expectedParent
        request.opID = opID
        request.requestKey = key
        try await self.signer.sign(&request)
        return try await self.client.call(StoreRPC.commit, request, options: CallOptions(timeout: .seconds(30)))
    }

    func tip(_ ref: String) async throws -> String {
        try await self.client.call(StoreRPC.resolve, .with { $0.ref = ref }).oid
    }

    func read(_ rev: String, _ path: String) async throws -> String {
        let response = try await self.client.call(
            StoreRPC.readBlob,
            .with {
                $0.rev = rev
                $0.path = path
            }
        )
        return String(decoding: response.content, as: UTF8.self)
    }

    /// Runs the git CLI on the store's repository: an independent witness, for tests only.
    func git(_ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run(
            "/usr/bin/git",
            ["--git-dir", self.gitDirectory] + arguments,
            outputDirectory: self.directory.path
        )
        #expect(result.status == 0, "git \(arguments.joined(separator: " ")): \(result.error)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Expects `body` to fail with an RPCError (or a domain error's wire form) of `code`; returns it.
@discardableResult
func expectRPCError(
    _ code: Choros_V1_Code,
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> some Any
) async -> RPCError? {
    do {
        _ = try await body()
        Issue.record(
            "expected \(code.name), the call succeeded \(comment.map { "(\($0))" } ?? "")",
            sourceLocation: sourceLocation
        )
        return nil
    } catch let convertible as any WireErrorConvertible {
        // An RPC's error, or a domain error of a service running in process.
        let error = convertible.rpcError
        #expect(error.code == code, "\(error) \(comment.map { "(\($0))" } ?? "")", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected \(code.name), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
