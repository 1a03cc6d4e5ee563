internal import ChorosProto
internal import ChorosWire

/// The gateway's refusals are plain `Refusal`s; these name its two common gates.
extension Refusal {
    static func input(_ reason: String) -> Refusal { Refusal(.input, .invalidArgument, reason) }
    static func lane(_ reason: String) -> Refusal { Refusal(.lane, .permissionDenied, reason) }
}
