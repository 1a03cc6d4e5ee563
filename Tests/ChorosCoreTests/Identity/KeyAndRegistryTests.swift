import ChorosTesting
import Foundation
import Testing

@testable import ChorosCore

@Suite("Keys, ids and the registry")
struct KeyAndRegistryTests {
    @Test("a generated key saves as 0600, loads back, and never overwrites")
    func keyFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending("alice.key")
            let key = try SigningKey.generate()
            try key.save(to: path)
            var info = stat()
            #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
            #expect(try SigningKey.load(from: path).author == key.author)
            #expect(throws: KeyFileError.exists(path: path)) { try SigningKey.generate().save(to: path) }
            #expect(!String(describing: key).contains("seed"))
        }
    }

    @Test("a key file others can read is refused with a clear message")
    func worldReadableKey() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appending("open.key")
            try IdentityFixtures.alice.save(to: path)
            chmod(path, 0o644)
            #expect(throws: KeyFileError.tooOpen(path: path, mode: 0o644)) { try SigningKey.load(from: path) }
            #expect(KeyFileError.tooOpen(path: path, mode: 0o644).description.contains("chmod 600"))
            let garbage = directory.appending("garbage.key")
            _ = FileManager.default.createFile(
                atPath: garbage,
                contents: Data("{}".utf8),
                attributes: [.posixPermissions: 0o600]
            )
            #expect(throws: KeyFileError.malformed(path: garbage)) { try SigningKey.load(from: garbage) }
        }
    }

    @Test("ids are lowercase hex with their prefix")
    func identifiers() throws {
        let author = IdentityFixtures.alice.author.rawValue
        #expect(author.hasPrefix("mnk_") && author.count == 68)
        #expect(try AuthorID(parsing: author) == IdentityFixtures.alice.author)
        for bad in [
            author.uppercased(), "mnk_" + String(repeating: "0", count: 63), "op_" + String(repeating: "0", count: 64),
        ] {
            #expect(throws: IdentifierError.self) { try AuthorID(parsing: bad) }
        }
        #expect(throws: IdentifierError.self) { try OpID(parsing: "op_" + String(repeating: "A", count: 64)) }
        #expect(throws: IdentifierError.self) { try ClaimKey(parsing: "ck_123") }
    }

    @Test("Ed25519 and BLAKE2b-256 match their published vectors")
    func primitiveVectors() {
        // RFC 8032 §7.1, test 1: the empty message.
        let seed = Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60") ?? []
        let key = SigningKey(seed: seed)
        #expect(Hex.encode(key.author.publicKey) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        #expect(
            Hex.encode(key.sign([]))
                == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        )
        // BLAKE2b-256 of "abc".
        #expect(
            Hex.encode(Sodium.blake2b256(Array("abc".utf8)))
                == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
        )
    }

    @Test("names follow IDENTITY.md's rules", arguments: ["a", "Lintel", "x.y_z-1", String(repeating: "n", count: 64)])
    func validNames(_ name: String) throws {
        #expect(try InstanceName(name).rawValue == name)
    }

    @Test(
        "bad names are refused",
        arguments: ["", ".hidden", "has space", "ünï", "a/b", String(repeating: "n", count: 65)]
    )
    func invalidNames(_ name: String) {
        #expect(throws: InstanceNameError.self) { try InstanceName(name) }
    }

    @Test("names are unique ignoring case, keys are enrolled once, records round-trip")
    func registry() throws {
        var registry = try InstanceRegistry()
        let lintel = InstanceRecord(
            name: try InstanceName("Lintel"),
            author: IdentityFixtures.alice.author,
            enrolledAt: 5
        )
        try registry.enroll(lintel)
        #expect(throws: RegistryError.nameTaken(requested: "lintel", existing: "Lintel")) {
            try registry.enroll(
                InstanceRecord(name: try InstanceName("lintel"), author: IdentityFixtures.bob.author, enrolledAt: 6)
            )
        }
        #expect(throws: RegistryError.keyTaken(author: IdentityFixtures.alice.author.rawValue, name: "lintel")) {
            try registry.enroll(
                InstanceRecord(name: try InstanceName("other"), author: IdentityFixtures.alice.author, enrolledAt: 6)
            )
        }
        #expect(registry.record(named: "LINTEL")?.author == IdentityFixtures.alice.author)
        try registry.revoke(InstanceName("lintel"), at: 9)
        let revoked = try #require(registry.record(for: IdentityFixtures.alice.author))
        #expect(revoked.revokedAt == 9)
        #expect(revoked.path == "instances/Lintel.json")
        #expect(try InstanceRecord(fileContent: revoked.fileContent) == revoked)
        #expect(throws: RegistryError.self) { try InstanceRecord(fileContent: Array("{\"name\":\"x\"}".utf8)) }
    }
}
