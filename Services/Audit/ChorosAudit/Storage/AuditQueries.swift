/// The SQL of every per-call lookup, named so a test can `EXPLAIN QUERY PLAN` exactly what
/// runs: each must use an index, never scan the log (AUDIT.md).
enum AuditQueries {
    static let tail = "SELECT * FROM events WHERE seq = (SELECT MAX(seq) FROM events)"
    static let latest = "SELECT * FROM events WHERE op = ? AND actor = ? ORDER BY seq DESC LIMIT 1"
    /// A read receipt: (reader, sender's ref, path).
    static let isRead =
        "SELECT 1 FROM events WHERE op = 'message.read' AND actor = ? AND target_path = ? AND target_ref = ? LIMIT 1"
    static let byOpID = "SELECT * FROM events WHERE op_id = ? ORDER BY seq"
    static let byOpIDAndRef = "SELECT 1 FROM events WHERE op_id = ? AND target_ref = ? LIMIT 1"
    static let sameAct =
        "SELECT * FROM events WHERE op_id = ? AND target_ref = ? AND envelope IS ? ORDER BY seq LIMIT 1"
    static let byRequestKey = "SELECT * FROM events WHERE request_key = ? ORDER BY seq"
    /// The same act retried under its request key with a freshly signed op (a client that
    /// timed out while the first attempt was still running).
    /// `INDEXED BY`: without statistics the planner took (op, actor, seq) for its order and
    /// read every commit of the instance, envelopes and all, on each append (a 1,000-kill soak
    /// held the writer for half an hour on one reconcile batch).
    static let sameRequest = """
        SELECT * FROM events INDEXED BY events_request_key
        WHERE request_key = ? AND actor = ? AND op = ? AND target_ref = ? AND outcome = ?
        ORDER BY seq LIMIT 1
        """
    /// The airlock's TOTP window lookup: a window is consumed once per purpose.
    static let windowConsumed =
        "SELECT 1 FROM events WHERE op = 'airlock.window' AND actor = ? AND target_path = ? LIMIT 1"
}
