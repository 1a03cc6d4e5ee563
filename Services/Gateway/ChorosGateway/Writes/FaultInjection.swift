#if CHOROS_FAULT_INJECTION
internal import Foundation
#endif

/// Crash points for the crash-window tests (ARCHITECTURE.md, "Write path"). Compiled only into
/// debug builds, and armed only by `CHOROS_FAULT=<point>` in the gateway's environment: the
/// process then dies at that point as if killed, with no cleanup.
enum FaultInjection: String {
    case afterCommit = "gateway.after-commit"

    static func trigger(_ point: FaultInjection) {
        #if CHOROS_FAULT_INJECTION
        if ProcessInfo.processInfo.environment["CHOROS_FAULT"] == point.rawValue { _exit(86) }
        #endif
    }
}
