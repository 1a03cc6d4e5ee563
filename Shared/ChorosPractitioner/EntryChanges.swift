internal import ChorosClients
package import ChorosCore
package import ChorosProto
internal import Foundation

/// One entry a proposal changes, with what canon holds for it: the judgement a land asks for
/// is about content, not paths (COCKPIT.md, "Proposal").
package struct EntryChange: Sendable {
    package enum Kind: String, Sendable {
        case added, modified, superseding, removed
    }

    package let path: String
    package let kind: Kind
    /// The proposal's text (empty for a removal).
    package let text: String
    /// What it is compared with: canon's text of this path, or of the entry it supersedes.
    package let before: String?
    package let beforePath: String?
    /// Line by line against `before`; empty for a plain addition.
    package let lines: [DiffLine]

    /// The entry's front matter and body, or nil for a file that is not an entry.
    package var entry: Entry? { try? Entry(parsing: self.text) }
}

extension PractitionerClient {
    /// Every entry the preview names, read at the proposal and at canon: one read of each
    /// side for the lot (and one more for the entries superseded ones replace), however many.
    package func changes(_ preview: Choros_V1_LandPreview) async throws -> [EntryChange] {
        let store = self.daemons.store
        let written = preview.added + preview.modified
        async let proposed = store.texts(preview.proposalOid, written)
        async let canon = store.texts(preview.canonOid, preview.modified + preview.removed)
        let texts = try await proposed
        var before = try await canon
        var superseded: [String: String] = [:]
        for path in preview.added {
            guard let named = (try? Entry(parsing: texts[path] ?? ""))?.scalar("supersedes"), !named.isEmpty else {
                continue
            }
            superseded[path] = named.hasSuffix(".md") ? named : named + ".md"
        }
        let missing = Set(superseded.values).subtracting(before.keys)
        if !missing.isEmpty {
            before.merge(try await store.texts(preview.canonOid, missing.sorted())) { first, _ in first }
        }
        return preview.added.map { path in
            let text = texts[path] ?? ""
            guard let beforePath = superseded[path] else {
                return EntryChange(path: path, kind: .added, text: text, before: nil, beforePath: nil, lines: [])
            }
            return Self.compared(path, .superseding, text, before: before[beforePath], at: beforePath)
        }
            + preview.modified.map { Self.compared($0, .modified, texts[$0] ?? "", before: before[$0], at: $0) }
            + preview.removed.map {
                EntryChange(path: $0, kind: .removed, text: "", before: before[$0], beforePath: $0, lines: [])
            }
    }

    private static func compared(
        _ path: String,
        _ kind: EntryChange.Kind,
        _ text: String,
        before: String?,
        at beforePath: String
    )
        -> EntryChange
    {
        EntryChange(
            path: path,
            kind: kind,
            text: text,
            before: before,
            beforePath: beforePath,
            lines: before.map { LineDiff.lines(from: $0, to: text) } ?? []
        )
    }
}

/// One line of a diff: unchanged context, removed from the old text, added in the new, or a
/// gap where unchanged lines were left out.
package struct DiffLine: Sendable, Equatable {
    package enum Kind: String, Sendable {
        case same, removed, added, gap
    }

    package let kind: Kind
    package let text: String
    /// 1-based line numbers in the old and new text (nil where the line is not in it).
    package let old: Int?
    package let new: Int?
}

package enum LineDiff {
    /// A line diff (Myers, by the standard library's `difference(from:)`) with `context` lines
    /// around each change; runs of unchanged lines beyond that become one gap.
    /// Past this many lines on a side, no diff is computed: Myers' trace grows with the square
    /// of the lines that differ, and an entry is prose, not a data file.
    package static let maximumLines = 2000

    package static func lines(from old: String, to new: String, context: Int = 3) -> [DiffLine] {
        let before = Self.split(old)
        let after = Self.split(new)
        guard before.count <= Self.maximumLines, after.count <= Self.maximumLines else {
            return [
                DiffLine(
                    kind: .gap,
                    text: "too large to compare line by line (\(before.count) and \(after.count) lines)",
                    old: nil,
                    new: nil
                )
            ]
        }
        let difference = after.difference(from: before)
        var removed = Set<Int>()
        var inserted = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        var full: [DiffLine] = []
        var oldIndex = 0
        var newIndex = 0
        while oldIndex < before.count || newIndex < after.count {
            if oldIndex < before.count, removed.contains(oldIndex) {
                full.append(DiffLine(kind: .removed, text: before[oldIndex], old: oldIndex + 1, new: nil))
                oldIndex += 1
            } else if newIndex < after.count, inserted.contains(newIndex) {
                full.append(DiffLine(kind: .added, text: after[newIndex], old: nil, new: newIndex + 1))
                newIndex += 1
            } else {
                full.append(DiffLine(kind: .same, text: after[newIndex], old: oldIndex + 1, new: newIndex + 1))
                oldIndex += 1
                newIndex += 1
            }
        }
        return Self.trimmed(full, context: context)
    }

    /// Keeps `context` unchanged lines around each change; a longer run becomes one gap.
    private static func trimmed(_ lines: [DiffLine], context: Int) -> [DiffLine] {
        let changed = lines.indices.filter { lines[$0].kind != .same }
        guard !changed.isEmpty else { return [] }
        var keep = Set<Int>()
        for index in changed {
            for near in max(0, index - context)...min(lines.count - 1, index + context) { keep.insert(near) }
        }
        var result: [DiffLine] = []
        var skipped = 0
        for index in lines.indices {
            if keep.contains(index) {
                if skipped > 0 {
                    result.append(DiffLine(kind: .gap, text: "\(skipped) unchanged line(s)", old: nil, new: nil))
                    skipped = 0
                }
                result.append(lines[index])
            } else {
                skipped += 1
            }
        }
        if skipped > 0 { result.append(DiffLine(kind: .gap, text: "\(skipped) unchanged line(s)", old: nil, new: nil)) }
        return result
    }

    private static func split(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
