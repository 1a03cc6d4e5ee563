internal import ChorosCore
internal import ChorosProto
internal import ChorosWire

extension AirlockGate {
    /// Wrong connector codes a day before approvals by code stop (the console still approves).
    static let dailyConnectorFailures = 30

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
            let daily = self.state.doorFailures(now: now)
            if daily.count >= Self.dailyConnectorFailures {
                let until = (daily.oldest ?? now) + StagingState.dayMilliseconds
                throw try await self.refuse(
                    .rate,
                    .resourceExhausted,
                    "\(Self.dailyConnectorFailures) wrong connector codes within a day: approve connectors at the "
                        + "console (choros-admin connector approve) for \((until - now + 3_599_999) / 3_600_000) h more",
                    instance: ConnectorEvent.door,
                    proposal: ""
                )
            }
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
