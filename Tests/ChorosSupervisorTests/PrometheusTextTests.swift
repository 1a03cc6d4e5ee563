import ChorosSupervisor
import Testing

@Suite("Prometheus text merge")
struct PrometheusTextTests {
    @Test("each family is declared once, with every process's samples under it, in first-seen order")
    func merge() {
        let store = """
            # TYPE choros_rpc_requests_total counter
            choros_rpc_requests_total{method="/a",daemon="store"} 3
            # TYPE choros_fsync_duration_seconds histogram
            choros_fsync_duration_seconds_bucket{daemon="store",le="0.001"} 1
            choros_fsync_duration_seconds_count{daemon="store"} 1

            """
        let audit = """
            # HELP choros_rpc_requests_total Calls.
            # TYPE choros_rpc_requests_total counter
            choros_rpc_requests_total{method="/b",daemon="audit"} 5
            # TYPE choros_events gauge
            choros_events{daemon="audit"} 12

            """
        let merged = PrometheusText.merge([store, audit])
        #expect(
            merged == """
                # HELP choros_rpc_requests_total Calls.
                # TYPE choros_rpc_requests_total counter
                choros_rpc_requests_total{method="/a",daemon="store"} 3
                choros_rpc_requests_total{method="/b",daemon="audit"} 5
                # TYPE choros_fsync_duration_seconds histogram
                choros_fsync_duration_seconds_bucket{daemon="store",le="0.001"} 1
                choros_fsync_duration_seconds_count{daemon="store"} 1
                # TYPE choros_events gauge
                choros_events{daemon="audit"} 12

                """
        )
    }
}
