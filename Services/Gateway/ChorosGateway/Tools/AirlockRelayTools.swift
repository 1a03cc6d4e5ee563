internal import ChorosCore
internal import ChorosProto

extension Gateway {
    /// The relays verify and audit like every write; the airlock's staging and landing
    /// (CANON.md) answer them once choros-airlock serves them.
    func airlockRelay<Arguments: Sendable>(
        _ arguments: Arguments,
        _ call: WriteCall
    ) async throws
        -> Choros_V1_AirlockRelayResponse
    {
        throw GatewayRefusal(
            "airlock",
            .unavailable,
            "choros-airlock does not serve \(call.operation.type) yet: land at the console (choros-admin land)"
        )
    }
}
