internal import ChorosClients
internal import ChorosProto
internal import ChorosWire

/// Upserts the index refused, re-sent in the background: one retry loop per ref, however many
/// writes fail while the index is away, so an outage under load costs a task per ref, not one
/// per write.
///
/// One request per ref is enough. A later write's advance no longer follows the index's mark,
/// so the index catches that ref up to the store's tip, which holds every earlier write; a
/// request without an advance (a replay's) names paths the index re-reads, so they are kept.
actor IndexRetries {
    struct Pending {
        /// The latest failed request with an advance.
        var advanced: Choros_V1_UpsertRequest?
        /// Paths of failed requests without one, by path.
        var reread: [String: Choros_V1_IndexTarget] = [:]
        var version = 0

        mutating func add(_ request: Choros_V1_UpsertRequest) {
            if request.hasAdvance {
                self.advanced = request
            } else {
                for target in request.targets { self.reread[target.path] = target }
            }
            self.version += 1
        }

        var request: Choros_V1_UpsertRequest {
            var request = self.advanced ?? Choros_V1_UpsertRequest()
            let named = Set(request.targets.map(\.path))
            request.targets += self.reread.keys.sorted().filter { !named.contains($0) }.compactMap { self.reread[$0] }
            return request
        }
    }

    private var pending: [String: Pending] = [:]
    private static let delays: [Duration] = [1, 2, 4, 8, 16, 30].map { .seconds($0) }

    /// Refs with a retry loop running; for tests.
    var refs: [String] { Array(self.pending.keys) }

    func schedule(_ request: Choros_V1_UpsertRequest, ref: String, through index: IndexClient) {
        let running = self.pending[ref] != nil
        self.pending[ref, default: Pending()].add(request)
        if !running { Task { await self.run(ref, through: index) } }
    }

    private func run(_ ref: String, through index: IndexClient) async {
        for delay in Self.delays {
            try? await Task.sleep(for: delay)
            guard let attempt = self.pending[ref] else { return }
            let sent =
                (try? await index.call(IndexRPC.upsert, attempt.request, options: CallOptions(timeout: .seconds(10))))
                != nil
            // A write that failed while this attempt was in flight is sent by the next round.
            if sent, self.pending[ref]?.version == attempt.version {
                self.pending[ref] = nil
                return
            }
        }
        // The index catches up by itself when it starts again.
        self.pending[ref] = nil
    }
}
