import ChorosAuth
import ChorosTesting
import Foundation
import Hummingbird
import Testing

@testable import ChorosHTTP

@Suite("choros-http: tokens, sessions and the door's checks")
struct HTTPDoorTests {
    @Test("a token is kept only as its hash, in a 0600 file; it acts as its instance until revoked")
    func tokens() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/auth.sqlite"
        let auth = try AuthDatabase(path: path)
        let alice = try auth.issueStaticToken(instance: "alice")
        let bob = try auth.issueStaticToken(instance: "bob")
        #expect(alice.hasPrefix("chb_") && alice.count == 68 && alice != bob)
        #expect(try auth.instance(presenting: alice)?.instance == "alice")
        #expect(try auth.instance(presenting: bob)?.instance == "bob")
        for file in [path, path + "-wal"] {
            let bytes = FileManager.default.contents(atPath: file) ?? Data()
            #expect(bytes.range(of: Data(alice.utf8)) == nil, "\(file) holds the token itself")
            #expect(bytes.range(of: Data(alice.dropFirst(4).utf8)) == nil)
        }
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try auth.revokeStaticTokens(instance: "ALICE") == 1)
        #expect(try auth.instance(presenting: alice) == nil)
        #expect(try auth.instance(presenting: bob)?.instance == "bob")
        for forged in ["", "chb_", "chb_" + String(repeating: "0", count: 64), alice + "0", "Bearer " + bob] {
            #expect(try auth.instance(presenting: forged) == nil, "\(forged)")
        }
    }

    @Test("a session reopens only for the token that opened it, and old ones are dropped")
    func sessions() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let auth = try AuthDatabase(path: directory.path + "/auth.sqlite")
        let token = try #require(try auth.instance(presenting: try auth.issueStaticToken(instance: "alice")))
        let other = try #require(try auth.instance(presenting: try auth.issueStaticToken(instance: "alice")))
        try auth.saveSession(id: "s1", tokenHash: token.hash, instance: "alice", now: 1_000)
        #expect(try auth.session(id: "s1", tokenHash: token.hash) == "alice")
        #expect(try auth.session(id: "s1", tokenHash: other.hash) == nil)
        #expect(try auth.session(id: "s2", tokenHash: token.hash) == nil)
        try auth.saveSession(id: "s2", tokenHash: token.hash, instance: "alice", now: 1_000 + 8 * 86_400_000)
        #expect(try auth.session(id: "s1", tokenHash: token.hash) == nil, "a week unused is dropped")
        for index in 0..<70 {
            try auth.saveSession(
                id: "t\(index)",
                tokenHash: other.hash,
                instance: "alice",
                now: 2_000 + Int64(index),
                perToken: 64
            )
        }
        #expect(try auth.session(id: "t0", tokenHash: other.hash) == nil, "a token keeps its newest 64")
        #expect(try auth.session(id: "t69", tokenHash: other.hash) == "alice")
        #expect(try auth.session(id: "s2", tokenHash: token.hash) == "alice", "another token's are its own")
        try auth.deleteSession(id: "s2")
        #expect(try auth.session(id: "s2", tokenHash: token.hash) == nil)
    }

    @Test("Host and Origin: loopback names with any port pass, anything else does not")
    func hosts() {
        let guardian = DoorGuard<BasicRequestContext>(hosts: ["localhost", "127.0.0.1", "::1"])
        for authority in ["localhost", "localhost:8765", "127.0.0.1:1", "[::1]:8765", "LOCALHOST:80"] {
            #expect(guardian.allows(authority: authority), "\(authority)")
        }
        for authority in [nil, "", "evil.example", "127.0.0.1.evil.example:80", "[::2]:80", "localhost.:80"] {
            #expect(!guardian.allows(authority: authority), "\(authority ?? "nil")")
        }
        #expect(guardian.allows(origin: "http://localhost:3000"))
        #expect(!guardian.allows(origin: "https://evil.example"))
        #expect(!guardian.allows(origin: "null"))
    }

    @Test("JSON-RPC messages are told apart; ids are echoed as they came; anything else is not read")
    func messages() throws {
        let request = try #require(RPCMessage(Data(#"{"jsonrpc":"2.0","id":"a\"b","method":"tools/list"}"#.utf8)))
        #expect(request.kind == .request(id: #""a\"b""#, method: "tools/list"))
        let numbered = try #require(RPCMessage(Data(#"{"jsonrpc":"2.0","id":7,"method":"initialize"}"#.utf8)))
        #expect(numbered.isInitialize && numbered.kind == .request(id: "7", method: "initialize"))
        let note = try #require(RPCMessage(Data(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8)))
        #expect(note.kind == .notification(method: "notifications/initialized"))
        let answer = try #require(RPCMessage(Data(#"{"jsonrpc":"2.0","id":3,"result":{}}"#.utf8)))
        #expect(answer.kind == .response(id: "3"))
        for garbage in [
            "", "[]", #"[{"jsonrpc":"2.0","id":1,"method":"x"}]"#, #"{"id":1,"method":"x"}"#,
            #"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#, #"{"jsonrpc":"2.0","id":null,"method":"x"}"#, "{",
        ] {
            #expect(RPCMessage(Data(garbage.utf8)) == nil, "\(garbage)")
        }
        let error = RPCMessage.error(id: nil, code: -32600, message: "bad \"one\"")
        let parsed = try #require(try JSONSerialization.jsonObject(with: error) as? [String: Any])
        #expect((parsed["error"] as? [String: Any])?["message"] as? String == "bad \"one\"")
    }
}
