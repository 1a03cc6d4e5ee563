#if CHOROS_FAULT_INJECTION
internal import Foundation
#endif

/// Delay points in the store, for the tests that prove a land is recorded or repaired when
/// the store answers too late. Compiled only into debug builds; armed by
/// `FAULT_INJECTION_POINT=<point>` with `FAULT_INJECTION_DELAY_MS`.
enum StoreFault: String {
    /// Between the deadline check and canon's rename: the race no deadline closes.
    case beforeLandRename = "store.before-land-rename"

    static func delay(_ point: StoreFault) {
        #if CHOROS_FAULT_INJECTION
        let environment = ProcessInfo.processInfo.environment
        guard environment["FAULT_INJECTION_POINT"] == point.rawValue else { return }
        usleep(UInt32(environment["FAULT_INJECTION_DELAY_MS"].flatMap(Int.init) ?? 0) * 1000)
        #endif
    }
}
