package import ChorosProto
package import ChorosWire
internal import CoreMetrics
internal import Foundation
package import Prometheus
internal import SwiftProtobuf

/// The process's metrics (issue 21): swift-metrics backed by one Prometheus registry, every
/// sample labelled with its daemon, served by `/choros.v1.Metrics/Scrape` on the daemon's own
/// socket (service uid only) and merged by the supervisor on `metrics_listen`.
package enum DaemonMetrics {
    package static let registry = PrometheusCollectorRegistry()

    package static let scrape = RPCMethod<Choros_V1_MetricsScrapeRequest, Choros_V1_MetricsScrapeResponse>(
        "/choros.v1.Metrics/Scrape",
        isIdempotent: true
    )

    /// The whole registry in Prometheus text format.
    package static func exposition() -> String { Self.registry.emitToString() }

    /// Once per process, before any metric is made (`DaemonRunner`).
    static func bootstrap(daemon: String) {
        var factory = PrometheusMetricsFactory(registry: Self.registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(5),
        ]
        factory.nameAndLabelSanitizer = { name, labels in (name, labels + [("daemon", daemon)]) }
        MetricsSystem.bootstrap(factory)
    }

    /// `/choros.v1.Metrics/Scrape`: `gauges` are read at each scrape (counts a daemon keeps
    /// anyway: entries, events, rows), then the whole registry is printed.
    static func register(on router: inout RPCRouter, gauges: @escaping @Sendable () async -> [String: Double]) {
        router.register(Self.scrape) { _, context in
            // Health is open on gateway.sock; metrics are for the service's own uid only.
            guard let peer = context.peer, peer.uid == getuid() else {
                throw RPCError(code: .permissionDenied, message: "metrics are served to the service uid only")
            }
            for (name, value) in await gauges() { Gauge(label: "choros_\(name)").record(value) }
            return .with { $0.text = Data(Self.registry.emitToBuffer()) }
        }
    }
}

extension Dictionary {
    package func mapKeys(_ transform: (Key) -> Key) -> [Key: Value] {
        Dictionary(uniqueKeysWithValues: self.map { (transform($0.key), $0.value) })
    }
}

/// Figures a daemon already computes for Health, for the few that are numbers.
package func numericFigures(_ figures: [String: String], _ keys: [String]) -> [String: Double] {
    var gauges: [String: Double] = [:]
    for key in keys { if let value = figures[key].flatMap(Double.init) { gauges[key] = value } }
    return gauges
}
