internal import ChorosCore
internal import ChorosProto
internal import ChorosWire

extension AirlockGate {
    /// A connector approved by the practitioner's TOTP code on the door's page. Runs alone
    /// like every call that spends a window: the code is checked, `approve` enrolls what it
    /// must, and the window is spent together with the approval event `approve` returns. Wrong
    /// codes count against the door as a whole (actor `http`), so its rate limit holds however
    /// many transactions an attacker opens.
    func approveConnector(
        _ request: Choros_V1_ConnectorApproveRequest,
        approve: @Sendable (Int64) async throws -> (Choros_V1_ConnectorApproveResponse, Choros_V1_AuditEventInput)
    ) async throws -> Choros_V1_ConnectorApproveResponse {
        try await self.serially {
            try await self.loadState()
            let now = self.clock()
            try await self.checkRate(ConnectorEvent.door, now: now)
            let window = try await self.acceptCode(
                request.code,
                purpose: ConnectorEvent.purpose,
                instance: ConnectorEvent.door,
                proposal: "",
                now: now
            )
            let (response, event) = try await approve(window)
            try await self.spend(
                window,
                purpose: ConnectorEvent.purpose,
                instance: ConnectorEvent.door,
                proposal: "",
                now: now,
                with: [event]
            )
            return response
        }
    }
}
