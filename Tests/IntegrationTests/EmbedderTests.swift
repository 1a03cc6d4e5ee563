import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import SwiftProtobuf
import Testing

/// The openai-compatible embedder against a local `/v1/embeddings` server the test starts.
@Suite("choros-index: openai-compatible embedder", .serialized, .timeLimit(.minutes(3)))
struct EmbedderTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/embeddings/fake_server.py").path

    struct Server {
        let directory: String
        let process: ChildProcess
        let port: String

        func setMode(_ mode: String) throws {
            try mode.write(toFile: self.directory + "/mode", atomically: true, encoding: .utf8)
        }

        /// Every request so far: (model, inputs).
        func requests() -> [(model: String, inputs: [String])] {
            let text = (try? String(contentsOfFile: self.directory + "/requests.jsonl", encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    return nil
                }
                return (object["model"] as? String ?? "", object["input"] as? [String] ?? [])
            }
        }
    }

    private func startServer(in directory: TemporaryDirectory) async throws -> Server {
        let folder = directory.appending("embedder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let process = try ChildProcess(
            executable: "/usr/bin/env",
            ["python3", Self.script, folder],
            outputDirectory: directory.path
        )
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: folder + "/port") {
            try await Task.sleep(for: .milliseconds(25))
        }
        let port = try String(contentsOfFile: folder + "/port", encoding: .utf8)
        return Server(directory: folder, process: process, port: port)
    }

    private func configuration(_ server: Server, model: String) -> String {
        """
        embed_backend = "openai-compatible"
        embed_url = "http://127.0.0.1:\(server.port)"
        embed_model = "\(model)"
        embed_dim = 8
        embed_doc_prefix = "doc: "
        embed_query_prefix = "query: "
        """
    }

    private func search(_ fixture: DaemonFixture, _ query: String) async throws -> Choros_V1_SearchResponse {
        try await fixture.index.call(
            IndexRPC.search,
            .with { $0.query = query },
            options: CallOptions(timeout: .seconds(30))
        )
    }

    @Test("prefixes and batches reach the server; an outage stores the row, degrades search, and a later call fills it")
    func embedder() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let server = try await self.startServer(in: scratch)
        defer { server.process.signal(SIGKILL) }
        try await DaemonFixture.with(
            daemons: ["store", "index"],
            extraConfiguration: self.configuration(server, model: "m1")
        ) { fixture in
            let files = Dictionary(
                uniqueKeysWithValues: (0..<70).map {
                    ("notes/n\($0).md", "---\ntitle: note \($0)\n---\n\nlantern number \($0)")
                }
            )
            try await fixture.commitAndIndex(author: "alice", files)
            let batches = server.requests().map(\.inputs.count)
            #expect(batches == [64, 6], "batching: \(batches)")
            #expect(server.requests().allSatisfy { $0.model == "m1" && $0.inputs.allSatisfy { $0.hasPrefix("doc: ") } })

            let healthy = try await self.search(fixture, "lantern")
            #expect(!healthy.degraded && !healthy.hits.isEmpty)
            #expect(server.requests().last?.inputs == ["query: lantern"])

            for mode in ["500", "slow"] {
                try server.setMode(mode)
                try await fixture.commitAndIndex(
                    author: "alice",
                    ["notes/outage-\(mode).md": "lantern written during a \(mode) outage"]
                )
                let stats = try await fixture.index.call(IndexRPC.stats, .init())
                #expect(stats.entries >= 71, "the row is stored without its vector")
                let degraded = try await self.search(fixture, "lantern outage")
                #expect(degraded.degraded, "\(mode): search must say it fell back to BM25")
                #expect(degraded.hits.contains { $0.path == "notes/outage-\(mode).md" })
            }

            try server.setMode("ok")
            let before = server.requests().count
            try await fixture.commitAndIndex(author: "alice", ["notes/after.md": "after the outage"])
            let filled = server.requests()[before...].flatMap(\.inputs)
            #expect(
                filled.contains { $0.contains("written during a 500 outage") },
                "the missing vector is filled later"
            )
            #expect(filled.contains { $0.contains("written during a slow outage") })
            #expect(!(try await self.search(fixture, "lantern")).degraded)
        }
    }

    @Test("changing the model id re-embeds on reindex")
    func modelChange() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let server = try await self.startServer(in: scratch)
        defer { server.process.signal(SIGKILL) }
        try await DaemonFixture.with(
            daemons: ["store", "audit", "index"],
            extraConfiguration: self.configuration(server, model: "m1")
        ) { fixture in
            try await fixture.commitAndIndex(author: "alice", ["notes/a.md": "alpha", "notes/b.md": "beta"])
            try await fixture.stop("index")
            try self.configuration(server, model: "m2").appending("\ndata_dir = \"\(fixture.directory.path)/data\"\n")
                .write(toFile: fixture.configurationPath, atomically: true, encoding: .utf8)
            try await fixture.start("index")
            _ = try await fixture.index.call(IndexRPC.reindex, .init(), options: CallOptions(timeout: .seconds(60)))
            let m2 = server.requests().filter { $0.model == "m2" }.flatMap(\.inputs).filter { $0.hasPrefix("doc: ") }
            #expect(m2.count == 2, "both entries re-embedded with the new model: \(m2)")
        }
    }
}
