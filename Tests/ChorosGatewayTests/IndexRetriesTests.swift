import ChorosClients
import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import Logging
import SwiftProtobuf
import Testing

@testable import ChorosGateway

/// An index outage under load: the gateway re-sends what failed with one loop per ref.
@Suite("Index retries", .timeLimit(.minutes(1)))
struct IndexRetriesTests {
    private static func request(_ ref: String, _ number: Int, advance: Bool = true) -> Choros_V1_UpsertRequest {
        .with { request in
            request.targets = [
                .with {
                    $0.ref = ref
                    $0.path = "notes/n\(number).md"
                }
            ]
            if advance {
                request.advance = .with {
                    $0.ref = ref
                    $0.fromOid = "\(ref)-\(number - 1)"
                    $0.toOid = "\(ref)-\(number)"
                }
            }
        }
    }

    @Test("a hundred failed upserts on two refs are re-sent as two, each the latest of its ref")
    func coalescedPerRef() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending("index.sock")
            let index = IndexClient(WireClient(socketPath: path))
            let retries = IndexRetries()
            for number in 1...100 {
                let ref = number % 2 == 0 ? "refs/a" : "refs/b"
                await retries.schedule(Self.request(ref, number), ref: ref, through: index)
            }
            #expect(await retries.refs.sorted() == ["refs/a", "refs/b"])

            let received = Shared<[Choros_V1_UpsertRequest]>([])
            var router = RPCRouter()
            router.register(IndexRPC.upsert) { request, _ in
                received.mutate { $0.append(request) }
                return Choros_V1_UpsertResponse()
            }
            let server = WireServer(
                configuration: WireServerConfiguration(socketPath: path),
                router: router,
                logger: Logger(label: "choros.test")
            )
            try await withRunningServices([server]) {
                let deadline = ContinuousClock.now + .seconds(30)
                while await !retries.refs.isEmpty, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            let sent = received.value.sorted { $0.advance.ref < $1.advance.ref }
            #expect(sent.map(\.advance.toOid) == ["refs/a-100", "refs/b-99"])
            #expect(sent.map { $0.targets.map(\.path) } == [["notes/n100.md"], ["notes/n99.md"]])
        }
    }

    @Test("a replay's re-read paths survive later advances; an older advance's paths do not")
    func pendingKeepsRereadPaths() {
        var pending = IndexRetries.Pending()
        pending.add(Self.request("refs/a", 1, advance: false))
        pending.add(Self.request("refs/a", 2))
        pending.add(Self.request("refs/a", 3))
        #expect(pending.request.advance.toOid == "refs/a-3")
        #expect(pending.request.targets.map(\.path) == ["notes/n3.md", "notes/n1.md"])
        pending.add(Self.request("refs/a", 3, advance: false))
        #expect(pending.request.targets.map(\.path) == ["notes/n3.md", "notes/n1.md"])
        #expect(pending.version == 4)
    }
}
