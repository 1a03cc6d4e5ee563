import ArgumentParser
import ChorosAuth
import ChorosCore
import ChorosPractitioner
import ChorosProto
import ChorosWire
import Foundation
import SwiftProtobuf

/// `choros-admin instance add|revoke|list` (IDENTITY.md, "Enrollment").
struct Instance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enroll, revoke and list instances, and issue their HTTP tokens.",
        subcommands: [Add.self, Revoke.self, List.self, Token.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an instance key (0600) and enroll it; hand the key file to its MCP bridge."
        )
        @Argument(help: "1-64 letters, digits, '.', '_', '-'; unique ignoring case.") var name: String
        @Option(
            help:
                "The Unix user the instance runs as: its key goes where only that user can read it, and it joins the instances group."
        )
        var user: String?
        @OptionGroup var options: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            do { _ = try InstanceName(self.name) } catch { throw ValidationError("\(error)") }
        }

        func run() async throws {
            let session = try AdminSession(self.options)
            let (record, path) = try await session.practitioner {
                client async throws -> (Choros_V1_InstanceRecord, String) in
                if let existing = try await client.registry().first(where: { $0.name.folded == self.name.lowercased() })
                {
                    throw AdminFailure(
                        "name '\(self.name)' is taken: '\(existing.name)' is enrolled (names are unique ignoring case)"
                    )
                }
                let holder = try self.user.map { try InstanceHolder(user: $0) }
                let directory =
                    holder == nil
                    ? (session.instanceKeyPath(self.name) as NSString).deletingLastPathComponent
                    : InstanceHolder.keyDirectory(session.configuration, instance: self.name)
                let path = directory + "/\(self.name).key"
                guard !FileManager.default.fileExists(atPath: path) else {
                    throw AdminFailure("\(path) exists: remove it or pick another name")
                }
                // The key file first: an enrolled key nobody holds would be a name lost for good.
                if let holder {
                    try holder.prepareKeyDirectory(directory)
                } else {
                    try FileManager.default.createDirectory(
                        atPath: directory,
                        withIntermediateDirectories: true,
                        attributes: [.posixPermissions: 0o700]
                    )
                }
                let key = try SigningKey.generate()
                try key.save(to: path)
                try holder?.own(path, mode: 0o600)
                try holder?.joinInstancesGroup(session.configuration)
                do {
                    let response = try await client.changeRegistry(.instanceEnroll, name: self.name, author: key.author)
                    return (response.record, path)
                } catch {
                    try? FileManager.default.removeItem(atPath: path)
                    throw error
                }
            }
            if self.json {
                var object: [String: Any] = ["name": record.name, "author": record.author, "key_file": path]
                if let user = self.user { object["user"] = user }
                try printJSONObject(object)
            } else {
                print("enrolled \(record.name) (\(record.author))")
                print("key: \(path) — give it to the instance's bridge: choros-mcp --key \(path)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an instance's key from the next call on (its past ops stay valid)."
        )
        @Argument var name: String
        @OptionGroup var options: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let session = try AdminSession(self.options)
            let record = try await session.practitioner { try await $0.revoke(instance: self.name) }
            if self.json {
                try printJSON(record)
            } else {
                print("revoked \(record.name) at \(record.revokedAt)")
            }
        }
    }

    /// A static bearer token for the HTTP door (HTTP.md, loopback mode), bound to one instance
    /// whose key the door may hold.
    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a bearer token for choros-http that acts as NAME (printed once; stored hashed)."
        )
        @Argument var name: String
        @Flag(help: "Revoke every token NAME holds instead, from the next request on.") var revoke = false
        @OptionGroup var options: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let session = try AdminSession(self.options)
            let configuration = session.configuration
            let auth = try AuthDatabase(path: configuration.authDatabase)
            if self.revoke {
                let count = try auth.revokeStaticTokens(instance: self.name)
                if self.json {
                    try printJSONObject(["name": self.name, "revoked": count])
                } else {
                    print("revoked \(count) token(s) of \(self.name)")
                }
                return
            }
            let record = try await session.run { () async throws -> InstanceRecord in
                guard
                    let record = try await session.registry().first(where: { $0.name.folded == self.name.lowercased() })
                else { throw AdminFailure("no instance named '\(self.name)' is enrolled") }
                guard record.revokedAt == nil else { throw AdminFailure("'\(record.name)' is revoked") }
                return record
            }
            let name = record.name.rawValue
            guard
                CustodialKeys.key(keysDirectory: configuration.keysDirectory, instance: name, author: record.author)
                    != nil
            else {
                let places = CustodialKeys.candidates(keysDirectory: configuration.keysDirectory, instance: name)
                throw AdminFailure(
                    "the HTTP door signs as \(name) with a key it holds, and none of \(places.joined(separator: ", ")) "
                        + "holds \(name)'s enrolled key (an instance added with --user keeps its key to itself)"
                )
            }
            let token = try auth.issueStaticToken(instance: name)
            if self.json {
                try printJSONObject(["name": name, "token": token])
            } else {
                print("token for \(name) (shown once; revoke with --revoke): \(token)")
                print("use it as the header  Authorization: Bearer \(token)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every enrolled key.")
        @OptionGroup var options: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let session = try AdminSession(self.options)
            let records = try await session.run { try await session.registry() }
            if self.json {
                try printJSONObject([
                    "instances": records.map { record -> [String: Any] in
                        var row: [String: Any] = [
                            "name": record.name.rawValue, "author": record.author.rawValue,
                            "enrolled_at": record.enrolledAt,
                        ]
                        if let revokedAt = record.revokedAt { row["revoked_at"] = revokedAt }
                        return row
                    }
                ])
            } else {
                for record in records {
                    let state = record.revokedAt.map { "revoked at \($0)" } ?? "active"
                    print("\(record.name.rawValue)  \(record.author.rawValue)  \(state)")
                }
            }
        }
    }
}
