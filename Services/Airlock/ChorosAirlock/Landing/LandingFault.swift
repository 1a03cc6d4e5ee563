#if CHOROS_FAULT_INJECTION
internal import Foundation
#endif

/// Crash points after each step of the landing routine, for the crash-recovery tests.
/// Compiled only into debug builds; armed by `FAULT_INJECTION_POINT=<point>`.
enum LandingFault: String, CaseIterable {
    case afterLand = "airlock.after-land"
    case afterAudit = "airlock.after-audit"
    case afterTag = "airlock.after-tag"
    case afterIndex = "airlock.after-index"

    static func trigger(_ point: LandingFault) {
        #if CHOROS_FAULT_INJECTION
        if ProcessInfo.processInfo.environment["FAULT_INJECTION_POINT"] == point.rawValue { _exit(86) }
        #endif
    }
}
