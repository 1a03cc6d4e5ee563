internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

extension Gateway {
    static let orientationSlots = ["welcome", "orientation", "syntax", "conduct", "claims", "community"]

    static let preamble = """
        Choros keeps one shared body of knowledge in git. You write to your own perspective \
        (kip_commit); canon is shared truth that only the practitioner lands. To contribute to \
        canon, propose with exactly one log entry (meta/log/<next seq>.md). When canon advances, \
        pull it (canon_diff) and file a reconciliation (sup_reconcile) before proposing again. \
        Entries are never edited: supersede them. Every write is signed with your key and takes \
        an op_id you choose, so a retry never writes twice.
        """

    func announce(_ request: Choros_V1_AnnounceRequest, _ caller: Caller) async throws -> Choros_V1_AnnounceResponse {
        if !request.instanceID.isEmpty, request.instanceID.lowercased() != caller.record.name.folded {
            throw Refusal(
                .identity,
                .permissionDenied,
                "this connection is bound to '\(caller.name)'; instance_id names '\(request.instanceID)'"
            )
        }
        let view = try await self.canon()
        let tip = try await self.daemons.store.tip(of: caller.perspective)
        let unread = try await self.unreadFromPractitioner(caller)
        let orientation = try await self.daemons.store.text(self.canonRef, "technical/orientation/orientation.md")
        let deployment = self.configuration.deploymentName
        return .with {
            $0.welcome = "Welcome to \(deployment), \(caller.name). Canon is at \(CanonView.display(view.seq))."
            $0.deployment = deployment
            $0.orientation = orientation.flatMap { try? Entry(parsing: $0).body } ?? Self.preamble
            $0.canonHead = view.tip ?? ""
            $0.canonDisplay = CanonView.display(view.seq)
            $0.perspectiveTip = tip ?? ""
            $0.unreadPractitioner = unread
        }
    }

    func orientation(
        _ request: Choros_V1_OrientationRequest,
        _ caller: Caller
    ) async throws
        -> Choros_V1_OrientationResponse
    {
        var slots: [Choros_V1_OrientationSlot] = []
        for name in Self.orientationSlots {
            let path = "technical/orientation/\(name).md"
            let text = try await self.daemons.store.text(self.canonRef, path)
            slots.append(
                .with {
                    $0.name = name
                    $0.path = path
                    $0.authored = text != nil
                    $0.text =
                        text.map { (try? Entry(parsing: $0).body) ?? $0 }
                        ?? "[\(name): not yet authored in canon at \(path)]"
                }
            )
        }
        return .with {
            $0.preamble = Self.preamble
            $0.slots = slots
            $0.text = ([Self.preamble] + slots.map { "## \($0.name)\n\n\($0.text)" }).joined(separator: "\n\n")
        }
    }

    func whoami(_ request: Choros_V1_WhoamiRequest, _ caller: Caller) async throws -> Choros_V1_WhoamiResponse {
        .with {
            $0.name = caller.name
            $0.author = caller.record.author.rawValue
            $0.perspectiveRef = caller.perspective
            $0.writeTools = Self.tools.filter { !$0.definition.opType.isEmpty }.map(\.definition.name)
            $0.enrolledAt = caller.record.enrolledAt
        }
    }

    func canonHead(_ request: Choros_V1_CanonHeadRequest, _ caller: Caller) async throws -> Choros_V1_CanonStateResponse
    {
        let view = try await self.canon()
        var paths: [String] = []
        if let tip = view.tip { paths = try await self.daemons.store.paths(tip) }
        return .with {
            $0.tip = view.tip ?? ""
            $0.seq = CanonView.hex(view.seq)
            $0.display = CanonView.display(view.seq)
            $0.nextSeq = CanonView.hex(view.nextSeq)
            $0.paths = paths
        }
    }

    func canonState(
        _ request: Choros_V1_CanonStateRequest,
        _ caller: Caller
    ) async throws
        -> Choros_V1_CanonStateResponse
    {
        var response = try await self.canonHead(.init(), caller)
        let lands = try await self.daemons.audit.call(
            AuditRPC.events,
            .with {
                $0.op = "land_merge"
                $0.limit = 10
                $0.newestFirst = true
            }
        ).events
        response.lands = lands.map { event in
            let detail = try? JSONParser.parse(Array(event.detail))
            return .with {
                $0.oid = event.resultOid
                $0.timeMs = event.ts
                $0.by = detail?["approver"]?.stringValue ?? event.actor
                $0.seq = detail?["seq"]?.stringValue ?? ""
                $0.proposalID = detail?["proposal_id"]?.stringValue ?? ""
            }
        }
        response.unreadPractitioner = try await self.unreadFromPractitioner(caller)
        return response
    }

    private func unreadFromPractitioner(_ caller: Caller) async throws -> UInt32 {
        let inbox = try await self.daemons.index.call(
            IndexRPC.inbox,
            .with {
                $0.reader = caller.name
                $0.unreadOnly = true
            }
        )
        return UInt32(inbox.messages.count { $0.from == "practitioner" && $0.supersededBy.isEmpty })
    }

    // MARK: search

    func mapSearch(_ request: Choros_V1_MapSearchRequest, _ caller: Caller) async throws -> Choros_V1_MapSearchResponse
    {
        guard !request.query.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw Refusal.input("'query' is required")
        }
        let scope = request.scope.isEmpty ? "all" : request.scope
        guard ["all", "canon", "mine"].contains(scope) else {
            throw Refusal.input("scope must be 'all', 'canon' or 'mine', got '\(request.scope)'")
        }
        let limit = request.hasLimit ? request.limit : 10
        guard (1...100).contains(limit) else { throw Refusal.input("limit must be 1...100, got \(limit)") }
        let response = try await self.daemons.index.call(
            IndexRPC.search,
            .with {
                $0.query = request.query
                $0.scope = scope
                $0.type = request.type
                $0.limit = limit
                $0.includeSuperseded = request.includeSuperseded
                $0.caller = caller.name
            }
        )
        return .with {
            $0.hits = response.hits
            $0.degraded = response.degraded
        }
    }
}
