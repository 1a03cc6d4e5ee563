internal import ChorosClients
internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// The airlock relays (TOOLS.md): the instance relays the practitioner's TOTP codes; who
/// approved is proven by the codes, not by the relaying instance. The airlock audits its own
/// refusals and consumes each code's window once.
extension Gateway {
    func stageApprove(
        _ arguments: Choros_V1_StageApproveArgs,
        _ call: WriteCall
    ) async throws
        -> Choros_V1_AirlockRelayResponse
    {
        if try await self.originalEvent(of: call) != nil {
            return try await self.stagedRelay(arguments.proposalID)
        }
        let staged = try await self.daemons.airlock.call(
            AirlockRPC.stage,
            .with {
                $0.instance = call.caller.name
                $0.proposalID = arguments.proposalID
                $0.code = call.code
                $0.envelope = call.envelope
                $0.opID = call.opID
            },
            options: CallOptions(timeout: .seconds(60), isIdempotent: false)
        )
        return Self.relay(staged, state: "staged")
    }

    func landApprove(
        _ arguments: Choros_V1_LandApproveArgs,
        _ call: WriteCall
    ) async throws
        -> Choros_V1_AirlockRelayResponse
    {
        let landed = try await self.daemons.airlock.call(
            AirlockRPC.land,
            .with {
                $0.instance = call.caller.name
                $0.stagedOidPrefix = arguments.stagedOidPrefix
                $0.code = call.code
                $0.envelope = call.envelope
                $0.opID = call.opID
            },
            options: CallOptions(timeout: .seconds(120), isIdempotent: false)
        )
        return .with {
            $0.proposalID = landed.proposalID
            $0.state = "landed"
            $0.stagedOid = landed.canonOid
            $0.seq = landed.seq
            $0.canonOid = landed.canonOid
        }
    }

    func stageRevert(
        _ arguments: Choros_V1_StageRevertArgs,
        _ call: WriteCall
    ) async throws
        -> Choros_V1_AirlockRelayResponse
    {
        let reverted = try await self.daemons.airlock.call(
            AirlockRPC.revert,
            .with {
                $0.instance = call.caller.name
                $0.proposalID = arguments.proposalID
                $0.envelope = call.envelope
                $0.opID = call.opID
            }
        )
        return .with {
            $0.proposalID = arguments.proposalID
            $0.state = reverted.reverted ? "reverted" : "open"
        }
    }

    private func stagedRelay(_ proposalID: String) async throws -> Choros_V1_AirlockRelayResponse {
        let state = try await self.daemons.airlock.call(AirlockRPC.stagedState, .with { $0.proposalID = proposalID })
        return state.staged ? Self.relay(state.proposal, state: "staged") : .with { $0.proposalID = proposalID }
    }

    private static func relay(_ staged: Choros_V1_StagedProposal, state: String) -> Choros_V1_AirlockRelayResponse {
        .with {
            $0.proposalID = staged.proposalID
            $0.state = state
            $0.stagedOid = staged.stagedOid
            $0.changed = staged.changed
            $0.seq = staged.seq
            $0.landsAfterMs = staged.landsAfterMs
            $0.expiresAtMs = staged.expiresAtMs
        }
    }

    /// Whether a proposal is staged (frozen for review). Fails closed: if the airlock cannot
    /// say, the proposal is treated as frozen.
    func isStaged(_ proposalID: String) async throws -> Bool {
        do {
            return try await self.daemons.airlock.call(
                AirlockRPC.stagedState,
                .with { $0.proposalID = proposalID },
                options: CallOptions(timeout: .seconds(2))
            ).staged
        } catch let error as RPCError where error.code == .unavailable || error.code == .deadlineExceeded {
            throw Refusal(
                .proposeFrozen,
                .unavailable,
                "choros-airlock is unreachable: cannot tell whether '\(proposalID)' is frozen for review"
            )
        }
    }
}
