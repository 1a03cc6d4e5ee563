#if CHOROS_FAULT_INJECTION
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import Synchronization
#endif

/// Crash points for the crash-window tests (ARCHITECTURE.md, "Write path"). Compiled only into
/// debug builds, and armed only by `FAULT_INJECTION_POINT=<point>` (not a CHOROS_ variable:
/// those are configuration) in the gateway's environment.
enum FaultInjection: String {
    /// The process dies after the commit, as if killed, with no cleanup.
    case afterCommit = "gateway.after-commit"
    /// The first audit append after a commit fails as if the audit daemon died in it; the
    /// gateway lives on (a retry then completes the event).
    case auditLostAfterCommit = "gateway.audit-lost-after-commit"

    #if CHOROS_FAULT_INJECTION
    private static let spent = Atomic<Bool>(false)
    #endif

    static func trigger(_ point: FaultInjection) throws {
        #if CHOROS_FAULT_INJECTION
        guard ProcessInfo.processInfo.environment["FAULT_INJECTION_POINT"] == point.rawValue else { return }
        switch point {
        case .afterCommit:
            _exit(86)
        case .auditLostAfterCommit:
            guard !self.spent.exchange(true, ordering: .relaxed) else { return }
            throw RPCError(code: .unavailable, message: "fault injection: the audit append was lost")
        }
        #endif
    }
}
