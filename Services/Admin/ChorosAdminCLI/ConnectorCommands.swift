import ArgumentParser
import ChorosAuth
import ChorosCore
import ChorosPractitioner
import ChorosProto
import ChorosWire
import Foundation
import SwiftProtobuf

/// `choros-admin connector approve|list|revoke`: the practitioner's side of the HTTP door's
/// OAuth approvals (HTTP.md).
struct Connector: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Approve, list and revoke remote connectors of the HTTP door.",
        subcommands: [Approve.self, List.self, Revoke.self]
    )

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a waiting connector (its page continues by itself)."
        )
        @Argument(help: "The transaction its approval page shows (cht_...).") var transaction: String
        @Option(name: .customLong("as"), help: "The instance it acts as (default: the one its page shows).")
        var instance: String?
        @OptionGroup var options: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let session = try AdminSession(self.options)
            let grant = try await session.practitioner {
                try await $0.approveConnector(transaction: self.transaction, as: self.instance)
            }
            if self.json {
                try printJSONObject(["grant": grant.id, "instance": grant.instance, "client_id": grant.clientID])
            } else {
                print("approved: \(grant.clientID) acts as \(grant.instance) (grant \(grant.id))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Waiting approvals, grants and registered clients.")
        @OptionGroup var options: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let configuration = try self.options.withDefaultDataDirectory.loadConfiguration()
            let auth = try AuthDatabase(path: configuration.authDatabase)
            let clients = Dictionary(try auth.clients().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let pending = try auth.pendingTransactions()
            let grants = try auth.grants()
            if self.json {
                try printJSONObject([
                    "pending": pending.map { transaction -> [String: Any] in
                        [
                            "transaction": transaction.id, "client_id": transaction.clientID,
                            "client_name": clients[transaction.clientID]?.name ?? "",
                            "redirect_uri": transaction.redirectURI, "instance": transaction.instance,
                            "expires_at": transaction.expiresAt,
                        ]
                    },
                    "grants": grants.map { grant -> [String: Any] in
                        var row: [String: Any] = [
                            "grant": grant.id, "client_id": grant.clientID,
                            "client_name": clients[grant.clientID]?.name ?? "", "instance": grant.instance,
                            "channel": grant.channel, "created_at": grant.createdAt,
                        ]
                        if let revoked = grant.revokedAt { row["revoked_at"] = revoked }
                        return row
                    },
                    "clients": clients.values.sorted { $0.createdAt < $1.createdAt }.map { client -> [String: Any] in
                        ["client_id": client.id, "client_name": client.name, "redirect_uris": client.redirectURIs]
                    },
                ])
                return
            }
            print("waiting for approval:\(pending.isEmpty ? " none" : "")")
            for transaction in pending {
                print(
                    "  \(transaction.id)  \(clients[transaction.clientID]?.name ?? "?")  as \(transaction.instance)"
                        + "  → \(transaction.redirectURI)"
                )
            }
            print("grants:\(grants.isEmpty ? " none" : "")")
            for grant in grants {
                let state = grant.revokedAt.map { "revoked at \($0)" } ?? "active"
                print(
                    "  \(grant.id)  \(clients[grant.clientID]?.name ?? grant.clientID)  as \(grant.instance)"
                        + "  (\(grant.channel))  \(state)"
                )
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a grant (chg_...) and its tokens, or a client (chc_...) with every grant it holds."
        )
        @Argument var id: String
        @OptionGroup var options: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let session = try AdminSession(self.options)
            let revoked = try await session.practitioner { try await $0.revokeConnector(self.id) }
            if self.json {
                try printJSONObject(["revoked": revoked.map(\.id)])
            } else {
                print("revoked \(self.id)\(revoked.isEmpty ? "" : ": " + revoked.map(\.id).joined(separator: ", "))")
            }
        }
    }
}
