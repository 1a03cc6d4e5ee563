#if CHOROS_FAULT_INJECTION
internal import Foundation
#endif

/// Crash points for the crash-window tests (ARCHITECTURE.md, "Write path"). Compiled only into
/// debug builds, and armed only by `FAULT_INJECTION_POINT=<point>` (not a CHOROS_ variable: those are configuration) in the gateway's environment: the
/// process then dies at that point as if killed, with no cleanup.
enum FaultInjection: String {
    case afterCommit = "gateway.after-commit"

    static func trigger(_ point: FaultInjection) {
        #if CHOROS_FAULT_INJECTION
        if ProcessInfo.processInfo.environment["FAULT_INJECTION_POINT"] == point.rawValue { _exit(86) }
        #endif
    }
}
