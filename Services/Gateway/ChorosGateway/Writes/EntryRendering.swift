internal import ChorosCore
internal import ChorosProto
internal import ChorosWire
internal import Foundation
internal import SwiftProtobuf

/// The envelope fields an authored entry may carry (TOOLS.md, "Envelope").
struct EntryFields: Sendable {
    var type = "kno"
    var title = ""
    var status = ""
    var tags: [String] = []
    var references: [String] = []
    var supersedes = ""
    var supersededBy = ""
    /// Per-type fields after the envelope (`recipients`, `binds`, `seq`, ...), in order.
    var extra: [(key: String, value: Entry.Value)] = []
}

extension EntryFields {
    init(_ arguments: Choros_V1_KipCommitArgs) {
        self.init(
            type: arguments.type.isEmpty ? "kno" : arguments.type,
            title: arguments.title.isEmpty ? arguments.slug : arguments.title,
            status: arguments.status,
            tags: arguments.tags,
            references: arguments.references.map(Gateway.withMarkdownExtension),
            supersedes: arguments.supersedes.isEmpty ? "" : Gateway.withMarkdownExtension(arguments.supersedes),
            supersededBy: arguments.supersededBy.isEmpty ? "" : Gateway.withMarkdownExtension(arguments.supersededBy)
        )
    }

    init(_ arguments: Choros_V1_ProposeArgs) {
        self.init(
            type: arguments.type.isEmpty ? (arguments.domain == "meta/log" ? "log" : "kno") : arguments.type,
            title: arguments.title.isEmpty ? arguments.slug : arguments.title,
            status: arguments.status,
            tags: arguments.tags,
            references: arguments.references.map(Gateway.withMarkdownExtension),
            supersedes: arguments.supersedes.isEmpty ? "" : Gateway.withMarkdownExtension(arguments.supersedes),
            supersededBy: arguments.supersededBy.isEmpty ? "" : Gateway.withMarkdownExtension(arguments.supersededBy)
        )
        if arguments.domain == "meta/log" {
            self.extra.append(("seq", .scalar(arguments.seq.isEmpty ? arguments.slug : arguments.seq)))
        }
    }

    /// The file: envelope fields, the server's stamps, then the body.
    func render(body: String, stamps: Stamps) throws -> Data {
        var fields: [(key: String, value: Entry.Value)] = [
            ("type", .scalar(self.type)), ("title", .scalar(self.title)),
        ]
        if !self.status.isEmpty { fields.append(("status", .scalar(self.status))) }
        if !self.tags.isEmpty { fields.append(("tags", .list(self.tags))) }
        if !self.references.isEmpty { fields.append(("references", .list(self.references))) }
        if !self.supersedes.isEmpty { fields.append(("supersedes", .scalar(self.supersedes))) }
        if !self.supersededBy.isEmpty { fields.append(("superseded_by", .scalar(self.supersededBy))) }
        fields += self.extra
        fields.append(("canon_state", .scalar(stamps.canonState)))
        return Data(try Entry(fields: fields, body: body).text.utf8)
    }
}

extension Gateway {
    /// `.md` is appended to a path argument that lacks it (TOOLS.md, "Paths").
    static func withMarkdownExtension(_ path: String) -> String {
        path.hasSuffix(".md") ? path : path + ".md"
    }

    /// A path argument, normalized and checked before anything is read or written.
    static func entryPath(_ raw: String, argument: String = "path") throws -> String {
        guard !raw.isEmpty else { throw Refusal.input("'\(argument)' is required") }
        let path = Self.withMarkdownExtension(raw)
        do { _ = try EntryPath(path) } catch { throw Refusal.input("'\(argument)': \(error)") }
        return path
    }

    static func change(_ path: String, _ content: Data) -> Choros_V1_FileChange {
        .with {
            $0.path = path
            $0.content = content
        }
    }

    static func deletion(_ path: String) -> Choros_V1_FileChange {
        .with {
            $0.path = path
            $0.delete = true
        }
    }
}
