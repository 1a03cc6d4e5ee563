import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import Testing

/// SO_PEERCRED at accept (TRUST.md, rule 1): a peer whose uid the socket does not admit gets
/// PERMISSION_DENIED naming the socket and its uid, whatever the file mode let through, and
/// no handler runs.
@Suite("Peer check")
struct PeerCheckTests {
    @Test("a peer outside the admitted uids is refused by name, and no handler runs")
    func refusesOtherUIDs() async throws {
        let observations = Observations()
        let stranger = getuid() == 4242 ? UInt32(4243) : UInt32(4242)
        let access = SocketAccess(mode: 0o666, admittedUIDs: [stranger])
        try await withTestServer(access: access, observations: observations) { path in
            let client = WireClient(socketPath: path)
            let error = await #expect(throws: RPCError.self) {
                try await client.call(echo, makeEcho("hello"))
            }
            await client.close()
            #expect(error?.code == .permissionDenied)
            #expect(error?.message.contains("test.sock admits uid \(stranger) only, not uid \(getuid())") == true)
            #expect(error?.details["socket"] == "test.sock")
            #expect(observations.startedCalls.value.isEmpty)
        }
    }

    @Test("the admitted uid is served, and the file gets the mode the access names")
    func servesTheAdmittedUID() async throws {
        let access = SocketAccess(mode: 0o600, admittedUIDs: [getuid()])
        try await withTestServer(access: access) { path in
            var info = stat()
            #expect(stat(path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
            let client = WireClient(socketPath: path)
            let echoed = try await client.call(echo, makeEcho("hello"))
            await client.close()
            #expect(echoed.message == "hello")
        }
    }
}
