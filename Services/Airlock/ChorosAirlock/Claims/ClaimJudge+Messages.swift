internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

extension ClaimJudge {
    /// One system message per author of invalidated claims per cascade, naming each claim,
    /// the cause and the path. Named by cause and author, so a re-run writes only those a
    /// crash left out. Returns the message paths.
    func notifyAuthors(
        cause: String,
        root: String,
        _ invalidations: [Choros_V1_ClaimInvalidation]
    ) async throws -> [String] {
        let byAuthor = Dictionary(grouping: invalidations.filter { !$0.targetAuthor.isEmpty }, by: \.targetAuthor)
        guard !byAuthor.isEmpty else { return [] }
        let causeTag = String(cause.dropFirst("op_".count).prefix(16))
        var paths: [String] = []
        var changes: [Choros_V1_FileChange] = []
        let tip = try await self.daemons.store.tip(of: Self.systemRef)
        for (author, claims) in byAuthor.sorted(by: { $0.key < $1.key }) {
            let path = "messages/claims-invalidated-\(causeTag)-\(author.lowercased()).md"
            paths.append(path)
            if let tip, try await self.daemons.store.text(tip, path) != nil { continue }
            var change = Choros_V1_FileChange()
            change.path = path
            change.content = Data(try Self.message(to: author, cause: cause, root: root, claims).text.utf8)
            changes.append(change)
        }
        if !changes.isEmpty {
            let op = try SystemCommit.sign(
                ref: Self.systemRef,
                changes: changes,
                key: try self.loadSystemKey(),
                deployment: try self.configuration.deploymentID()
            )
            let committed = try await self.daemons.store.call(
                StoreRPC.commit,
                .with {
                    $0.op = op
                    $0.ref = Self.systemRef
                    $0.changes = changes
                    $0.subject = "IMP claims invalidated by \(cause)"
                    $0.author = "system"
                    $0.expectedParent = tip ?? ""
                }
            )
            _ = try await self.daemons.index.call(
                IndexRPC.upsert,
                .with {
                    $0.targets = changes.map { change in
                        .with {
                            $0.ref = Self.systemRef
                            $0.path = change.path
                        }
                    }
                    $0.advance = .with {
                        $0.ref = Self.systemRef
                        $0.fromOid = committed.parentOid
                        $0.toOid = committed.commitOid
                    }
                }
            )
        }
        return paths
    }

    static func message(
        to author: String,
        cause: String,
        root: String,
        _ claims: [Choros_V1_ClaimInvalidation]
    ) throws -> Entry {
        let subject =
            claims.count == 1
            ? "Your claim \(claims[0].target) was invalidated"
            : "\(claims.count) of your claims were invalidated"
        var lines = [
            "\(cause) refuted or corrected \(root); these claims of yours derive from it and are invalidated:",
            "",
        ]
        for claim in claims {
            lines.append(
                "- \(claim.target) (invalidated by \(claim.opID)), path: \(claim.path.joined(separator: " → "))"
            )
        }
        lines += ["", "Ask claim_explain(claim) for the whole chain; belief() no longer lists them."]
        // A system message is rendered from fixed fields and op ids only: nothing a caller
        // wrote reaches its front-matter.
        return try Entry(
            fields: [
                ("type", .scalar("msg")), ("title", .scalar(subject)), ("subject", .scalar(subject)),
                ("recipients", .list([author])), ("cause", .scalar(cause)),
            ],
            body: lines.joined(separator: "\n") + "\n"
        )
    }
}
