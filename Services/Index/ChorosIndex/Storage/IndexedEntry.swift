internal import ChorosCore
internal import Foundation
internal import GRDB

/// One row of the `entries` table: an entry at (ref, path), attributed.
struct IndexedEntry: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    static let databaseTableName = "entries"

    var id: Int64?
    var ref: String
    var path: String
    var isCanon: Bool
    var author: String
    var contentOID: String
    var type: String
    var title: String
    var status: String
    /// JSON lists.
    var tags: String
    var references: String
    var supersedes: String
    var supersededBy: String
    var recipients: String
    var subject: String
    var canonState: String
    var binds: String
    var horizon: String
    var vantageKind: String
    var coordinates: String
    var body: String

    enum CodingKeys: String, CodingKey {
        case id, ref, path, author, type, title, status, tags, references, supersedes, recipients, subject, body
        case binds, horizon, coordinates
        case vantageKind = "vantage_kind"
        case isCanon = "is_canon"
        case contentOID = "content_oid"
        case supersededBy = "superseded_by"
        case canonState = "canon_state"
    }

    /// The row for an entry file; defaults as TOOLS.md gives them (type `kno`, title the
    /// slug, status `active`).
    init(ref: String, path: String, isCanon: Bool, author: String, contentOID: String, text: String) {
        let entry = (try? Entry(parsing: text)) ?? (try? Entry(body: text))
        let slug = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        self.id = nil
        self.ref = ref
        self.path = path
        self.isCanon = isCanon
        self.author = author
        self.contentOID = contentOID
        self.type = entry?.scalar("type") ?? "kno"
        self.title = entry?.scalar("title") ?? slug
        self.status = entry?.scalar("status") ?? "active"
        self.tags = Self.json(entry?.list("tags") ?? [])
        self.references = Self.json(entry?.list("references") ?? [])
        self.supersedes = entry?.scalar("supersedes") ?? ""
        self.supersededBy = entry?.scalar("superseded_by") ?? ""
        self.recipients = Self.json(entry?.list("recipients") ?? [])
        self.subject = entry?.scalar("subject") ?? ""
        self.canonState = entry?.scalar("canon_state") ?? ""
        self.binds = entry?.scalar("binds") ?? ""
        self.horizon = entry?.scalar("horizon") ?? ""
        self.vantageKind = entry?.scalar("kind") ?? ""
        self.coordinates = entry?.scalar("coordinates") ?? ""
        self.body = entry?.body ?? text
    }

    var recipientList: [String] { Self.list(self.recipients) }
    var referenceList: [String] { Self.list(self.references) }

    private static func list(_ json: String) -> [String] {
        ((try? JSONParser.parse(Array(json.utf8)))?.arrayValue ?? []).compactMap(\.stringValue)
    }

    private static func json(_ items: [String]) -> String {
        String(decoding: CanonicalJSON.encode(.array(items.map { .string($0) })), as: UTF8.self)
    }

    /// Messages and vantages surface only through the inbox and `vap_for`, never search.
    var isPrivateKind: Bool {
        self.type == "msg" || self.type == "vap" || self.path.hasPrefix("messages/") || self.path.hasPrefix("vantages/")
    }
}
