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
    /// Every entry the preview names, read at the proposal and at canon, eight reads at a time
    /// (a 200-entry proposal is one page, not 400 round trips in a row).
    package func changes(_ preview: Choros_V1_LandPreview) async throws -> [EntryChange] {
        let items =
            preview.added.map { ($0, EntryChange.Kind.added) } + preview.modified.map { ($0, .modified) }
            + preview.removed.map { ($0, .removed) }
        return try await withThrowingTaskGroup(of: (Int, EntryChange).self) { group in
            var changes: [EntryChange?] = Array(repeating: nil, count: items.count)
            var next = 0
            func launch() {
                guard next < items.count else { return }
                let (index, (path, kind)) = (next, items[next])
                next += 1
                group.addTask { (index, try await self.change(path, kind, preview: preview)) }
            }
            for _ in 0..<8 { launch() }
            while let (index, change) = try await group.next() {
                changes[index] = change
                launch()
            }
            return changes.compactMap { $0 }
        }
    }

    private func change(
        _ path: String,
        _ kind: EntryChange.Kind,
        preview: Choros_V1_LandPreview
    ) async throws
        -> EntryChange
    {
        let store = self.daemons.store
        if kind == .removed {
            let before = try await store.text(preview.canonOid, path)
            return EntryChange(path: path, kind: kind, text: "", before: before, beforePath: path, lines: [])
        }
        let text = try await store.text(preview.proposalOid, path) ?? ""
        var kind = kind
        var beforePath: String? = kind == .modified ? path : nil
        if kind == .added, let superseded = (try? Entry(parsing: text))?.scalar("supersedes"), !superseded.isEmpty {
            kind = .superseding
            beforePath = superseded.hasSuffix(".md") ? superseded : superseded + ".md"
        }
        guard let beforePath else {
            return EntryChange(path: path, kind: kind, text: text, before: nil, beforePath: nil, lines: [])
        }
        let before = try await store.text(preview.canonOid, beforePath)
        return EntryChange(
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
    package static func lines(from old: String, to new: String, context: Int = 3) -> [DiffLine] {
        let before = Self.split(old)
        let after = Self.split(new)
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
