import ArgumentParser
import ChorosCore
import ChorosProto
import ChorosWire
import Foundation

/// `choros-admin reindex`: rebuilds the search index from git, showing progress on a
/// terminal (polled from the index's Stats while the rebuild runs).
struct Reindex: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Rebuild the search index from the store.")

    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let socket = try self.options.withDefaultDataDirectory.loadConfiguration().socketPath(for: "index")
        let client = WireClient(socketPath: socket)
        let showsProgress = !self.json && isatty(STDERR_FILENO) == 1
        let result = try await withThrowingTaskGroup(of: Choros_V1_ReindexResponse?.self) { group in
            group.addTask {
                try await client.call(IndexRPC.reindex, .init(), options: CallOptions(timeout: .seconds(3600)))
            }
            if showsProgress {
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .milliseconds(250))
                        if let stats = try? await client.call(IndexRPC.stats, .init()), stats.reindexing {
                            FileHandle.standardError.write(
                                Data("\rreindexing \(stats.reindexDone)/\(stats.reindexTotal)".utf8)
                            )
                        }
                    }
                    return nil
                }
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let response = next { return response }
            }
            throw ExitCode.failure
        }
        await client.close()
        if showsProgress { FileHandle.standardError.write(Data("\n".utf8)) }
        if self.json {
            try printJSON(result)
        } else {
            print("reindexed \(result.entries) entries from \(result.refs) refs")
        }
    }
}
