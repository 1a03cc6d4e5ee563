import ChorosAudit
internal import ChorosClients
import ChorosCore
import ChorosIndex
import ChorosProto
import ChorosStore
import ChorosWire
import Foundation
import Logging
import ServiceLifecycle

/// Reindex time for 10,000 entries: a real store and audit log served on sockets in process,
/// and the index rebuilding from them over the wire, as the daemons do.
struct ReindexBenchmark {
    let directory: String

    func measure() async throws -> BenchmarkResult {
        var configuration = try ChorosConfiguration(
            source: ConfigurationSource(),
            baseDirectory: self.directory + "/reindex"
        )
        configuration.runDirectory = self.directory + "/reindex-run"
        try FileManager.default.createDirectory(atPath: configuration.runDirectory, withIntermediateDirectories: true)
        let store = try GitStore(configuration: try StoreConfiguration(configuration))
        var router = RPCRouter()
        store.register(on: &router)
        var logger = Logger(label: "choros.bench")
        logger.logLevel = .warning
        let server = WireServer.daemon(name: "store", configuration: configuration, router: router, logger: logger)
        // The claims half of a reindex reads the audit log: the real one, in process.
        let audit = try await makeAuditDaemon(configuration: configuration, logger: logger)
        let group = ServiceGroup(services: [server] + audit, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            let signing = BenchSigning()
            try await signing.enroll(store)
            var request = Choros_V1_CommitRequest()
            request.ref = BenchSigning.perspective
            request.changes = (0..<10_000).map { index in
                var change = Choros_V1_FileChange()
                change.path = "notes/d\(index / 1000)/e\(index).md"
                change.content = Data("---\ntitle: entry \(index)\n---\n\nlantern river \(index)".utf8)
                return change
            }
            _ = try await store.commitForBenchmark(try signing.signed(request, for: store))
            let daemons = DaemonClients(socketPath: configuration.socketPath(for:))
            let index = try SearchIndex(configuration: configuration, store: daemons.store, audit: daemons.audit)
            let start = ContinuousClock.now
            let indexed = try await index.reindexForBenchmark()
            let result = BenchmarkResult(
                name: "reindex entries/s (10k)",
                calls: indexed,
                elapsed: ContinuousClock.now - start
            )
            print("reindex of \(indexed) entries took \(ContinuousClock.now - start)")
            await group.triggerGracefulShutdown()
            await store.shutdown()
            return result
        }
    }
}
