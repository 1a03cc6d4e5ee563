internal import ChorosProto
package import ChorosWire
internal import SwiftProtobuf

/// The index, as every other process reaches it.
package struct IndexClient: DaemonClient {
    package let wire: WireClient

    package init(_ wire: WireClient) {
        self.wire = wire
    }
}

/// The airlock, as the gateway and the admin reach it.
package struct AirlockClient: DaemonClient {
    package let wire: WireClient

    package init(_ wire: WireClient) {
        self.wire = wire
    }
}

/// The clients of one deployment's daemons, built once by each composition root from its
/// configuration and passed to everything that calls them.
package struct DaemonClients: Sendable {
    package let store: StoreClient
    package let audit: AuditClient
    package let index: IndexClient
    package let airlock: AirlockClient

    package init(store: WireClient, audit: WireClient, index: WireClient, airlock: WireClient) {
        self.store = StoreClient(store)
        self.audit = AuditClient(audit)
        self.index = IndexClient(index)
        self.airlock = AirlockClient(airlock)
    }

    /// One client per daemon socket named in `socketPath(for:)`.
    package init(socketPath: (String) -> String) {
        self.init(
            store: WireClient(socketPath: socketPath("store")),
            audit: WireClient(socketPath: socketPath("audit")),
            index: WireClient(socketPath: socketPath("index")),
            airlock: WireClient(socketPath: socketPath("airlock"))
        )
    }
}
