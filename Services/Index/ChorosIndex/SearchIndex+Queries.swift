internal import ChorosClients
internal import ChorosProto
internal import ChorosWire
internal import GRDB
internal import SwiftProtobuf

extension SearchIndex {
    /// Messages addressed to `reader` (exact name), with supersession resolved only between
    /// messages of one sender, and read state from one batched audit call.
    func inbox(reader: String, unreadOnly: Bool) async throws -> [Choros_V1_InboxMessage] {
        let rows = try await self.database.pool.read { db in
            try IndexedEntry.fetchAll(
                db,
                sql: """
                    SELECT e.* FROM message_recipients r JOIN entries e ON e.id = r.entry_id
                    WHERE r.recipient = ? AND e.type = 'msg' ORDER BY e.id
                    """,
                arguments: [reader]
            )
        }
        var supersededBy: [String: String] = [:]
        let byLocation = Dictionary(rows.map { ($0.ref + "\u{0}" + $0.path, $0) }) { first, _ in first }
        for row in rows where !row.supersedes.isEmpty && row.supersedes != row.path {
            let target = byLocation[row.ref + "\u{0}" + row.supersedes]
            if let target, target.author == row.author { supersededBy[row.ref + "\u{0}" + target.path] = row.path }
        }
        let keys = rows.map { row in
            Choros_V1_ReadKey.with {
                $0.reader = reader
                $0.ref = row.ref
                $0.path = row.path
            }
        }
        let read = keys.isEmpty ? [] : try await self.audit.call(AuditRPC.isRead, .with { $0.keys = keys }).isRead
        return zip(rows, read + Array(repeating: false, count: max(0, rows.count - read.count))).compactMap {
            row,
            isRead in
            if unreadOnly && isRead { return nil }
            return .with {
                $0.path = row.path
                $0.from = row.author
                $0.subject = row.subject
                $0.coordinates = row.coordinates
                $0.ref = row.ref
                $0.supersedes = row.supersedes
                $0.supersededBy = supersededBy[row.ref + "\u{0}" + row.path] ?? ""
                $0.isRead = isRead
            }
        }
    }

    /// Vantages bound to an entry, by an author, or at a canon state; paged.
    func vantages(_ request: Choros_V1_VantagesRequest) async throws -> Choros_V1_VantagesResponse {
        let (column, value): (String, String) =
            !request.entry.isEmpty
            ? ("binds", request.entry)
            : !request.author.isEmpty ? ("author", request.author) : ("canon_state", request.canonState)
        let limit = request.limit == 0 ? 16 : Int(min(request.limit, 100))
        let offset = Int(request.offset)
        return try await self.database.pool.read { db in
            let filter = "FROM entries WHERE type = 'vap' AND \(column) = ?"
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(filter)", arguments: [value]) ?? 0
            let rows = try IndexedEntry.fetchAll(
                db,
                sql: "SELECT * \(filter) ORDER BY id LIMIT \(limit) OFFSET \(offset)",
                arguments: [value]
            )
            var response = Choros_V1_VantagesResponse()
            for row in rows {
                let status = try String.fetchOne(
                    db,
                    sql: "SELECT status FROM entries WHERE path = ? ORDER BY is_canon DESC, id LIMIT 1",
                    arguments: [row.binds]
                )
                response.vantages.append(
                    .with {
                        $0.path = row.path
                        $0.ref = row.ref
                        $0.author = row.author
                        $0.binds = row.binds
                        $0.horizon = row.horizon
                        $0.kind = row.vantageKind
                        $0.title = row.title
                        $0.canonState = row.canonState
                        $0.bindsStatus = status ?? "missing"
                    }
                )
            }
            response.count = UInt32(rows.count)
            response.total = UInt32(total)
            response.truncated = offset + rows.count < total
            return response
        }
    }

    /// Every author with an entry at `path`, across refs.
    func authors(of path: String) async throws -> [String] {
        try await self.database.pool.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT DISTINCT author FROM entries WHERE path = ? ORDER BY author",
                arguments: [path]
            )
        }
    }

    /// Links around `path`, transitively: "down" follows what points at a path, "up" what a
    /// path points at. Each path is expanded once, so cycles end.
    func lineage(of path: String, direction: String) async throws -> [Choros_V1_LineageLink] {
        let directions = direction == "up" ? ["up"] : direction == "down" ? ["down"] : ["up", "down"]
        return try await self.database.pool.read { db in
            var links: [Choros_V1_LineageLink] = []
            for way in directions {
                var frontier = [path]
                var seen: Set<String> = [path]
                var depth: UInt32 = 1
                while !frontier.isEmpty && depth <= 64 {
                    var next: [String] = []
                    for current in frontier {
                        let sql =
                            way == "down"
                            ? "SELECT e.path AS source, l.target AS target, l.kind AS kind FROM entry_links l JOIN entries e ON e.id = l.entry_id WHERE l.target = ?"
                            : "SELECT e.path AS source, l.target AS target, l.kind AS kind FROM entries e JOIN entry_links l ON l.entry_id = e.id WHERE e.path = ?"
                        for row in try Row.fetchAll(db, sql: sql, arguments: [current]) {
                            let source: String = row["source"]
                            let target: String = row["target"]
                            links.append(
                                .with {
                                    $0.from = source
                                    $0.to = target
                                    $0.kind = row["kind"]
                                    $0.depth = depth
                                }
                            )
                            let reached = way == "down" ? source : target
                            if seen.insert(reached).inserted { next.append(reached) }
                        }
                    }
                    frontier = next
                    depth += 1
                }
            }
            return links
        }
    }
}
