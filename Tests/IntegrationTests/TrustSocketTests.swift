import ChorosProto
import ChorosTesting
import ChorosWire
import Foundation
import Testing

/// TRUST.md, rule 1, run as the attack would be: a process under an unprivileged uid (an
/// instance with a shell) knocks on every socket of a running deployment. It reaches the
/// gateway and nothing else: the internal sockets' mode stops it at connect, and when the mode
/// is loosened the daemons' own peer check still refuses it, naming the socket.
@Suite("Trust: sockets", .serialized, .timeLimit(.minutes(3)))
struct TrustSocketTests {
    static let probe = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/trust/peer_probe.py").path
    static let internalSockets = ["store", "audit", "index", "airlock", "admin"]

    struct Knock: Decodable {
        let socket: String
        let connected: Bool
        let code: Int?
        let message: String?
        let errno: Int32?
    }

    @Test("an instance's uid reaches gateway.sock and no internal socket")
    func unprivilegedPeerReachesOnlyTheGateway() async throws {
        try await UnprivilegedUser.with(groups: [UnprivilegedUser.instancesGroup]) { user in
            try await DaemonFixture.with(daemons: GatewayFixture.allDaemons) { daemons in
                let run = daemons.directory.path + "/data/run/"
                // The test's own temporary directory is root's 0700; the deployment's are set by the daemons.
                #expect(chmod(daemons.directory.path, 0o711) == 0)
                let probe = daemons.directory.appending("peer_probe.py")
                try FileManager.default.copyItem(atPath: Self.probe, toPath: probe)
                #expect(chmod(probe, 0o644) == 0)

                let gatewayInfo = try Self.status(run + "gateway.sock")
                #expect(gatewayInfo.st_mode & 0o777 == 0o660)
                #expect(gatewayInfo.st_gid == getgrnam(UnprivilegedUser.instancesGroup)?.pointee.gr_gid)
                for name in Self.internalSockets {
                    #expect(try Self.status(run + name + ".sock").st_mode & 0o777 == 0o600, "\(name).sock")
                }

                let sockets = (["gateway"] + Self.internalSockets).map { run + $0 + ".sock" }
                var knocks = try await Self.knock(as: user, probe: probe, sockets)
                try #require(knocks.count == sockets.count)
                #expect(knocks[0].connected && knocks[0].code == 0, "gateway: \(knocks[0].message ?? "")")
                // Health is open on gateway.sock; the metrics beside it are the service uid's.
                let scrape = try await Self.knock(
                    as: user,
                    probe: probe,
                    [run + "gateway.sock"],
                    method: "/choros.v1.Metrics/Scrape"
                )
                #expect(scrape.first?.connected == true && scrape.first?.code == 7, "\(scrape.first?.message ?? "")")
                for knock in knocks.dropFirst() {
                    #expect(!knock.connected && knock.errno == EACCES, "\(knock.socket): \(knock.message ?? "")")
                }

                // A loosened mode leaves the peer check: each daemon refuses the uid by name.
                for name in Self.internalSockets { #expect(chmod(run + name + ".sock", 0o666) == 0) }
                knocks = try await Self.knock(as: user, probe: probe, Array(sockets.dropFirst()))
                try #require(knocks.count == Self.internalSockets.count)
                let uid = try user.uid
                for (knock, name) in zip(knocks, Self.internalSockets) {
                    #expect(knock.connected && knock.code == 7, "\(name).sock: \(knock.message ?? "")")
                    #expect(knock.message?.contains("\(name).sock admits uid") == true)
                    #expect(knock.message?.contains("not uid \(uid)") == true)
                }
                // The daemons are still up for their own user.
                _ = try await daemons.store.call(HealthRPC.check, .init())
            }
        }
    }

    private static func status(_ path: String) throws -> stat {
        var info = stat()
        guard stat(path, &info) == 0 else { throw TestUserError("cannot stat \(path)") }
        return info
    }

    private static func knock(
        as user: UnprivilegedUser,
        probe: String,
        _ sockets: [String],
        method: String? = nil
    ) async throws -> [Knock] {
        let result = try await user.run(
            "/usr/bin/python3",
            [probe] + (method.map { ["--method", $0] } ?? []) + sockets
        )
        #expect(result.status == 0, "probe failed: \(result.error)")
        return try result.output.split(separator: "\n").map {
            try JSONDecoder().decode(Knock.self, from: Data($0.utf8))
        }
    }
}
