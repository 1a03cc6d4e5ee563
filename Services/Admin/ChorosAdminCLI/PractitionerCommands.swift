import ArgumentParser
import ChorosCore
import ChorosPractitioner
import ChorosProto
import Foundation

/// `choros-admin inbox [--all] [--read PATH]`: the practitioner's mail.
struct Inbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "List messages to the practitioner (unread only unless --all); --read PATH shows one and marks it read."
    )
    @Flag(help: "Every message, read ones too.") var all = false
    @Option(help: "A message's path: print it and mark it read.") var read: String?
    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let session = try AdminSession(self.options)
        if let path = self.read {
            let (message, text) = try await session.practitioner { client in
                let matches = try await client.inbox(all: true).filter { $0.path == path || $0.path == path + ".md" }
                guard let message = matches.first else { throw PractitionerError("no message \(path) in your inbox") }
                guard matches.count == 1 else {
                    throw PractitionerError(
                        "\(path) names messages from \(matches.map(\.from).joined(separator: ", ")): give the sender's ref"
                    )
                }
                return (message, try await client.read(message))
            }
            if self.json {
                return try printJSONObject([
                    "path": message.path, "from": message.from, "subject": message.subject, "ref": message.ref,
                    "text": text,
                ])
            }
            print("from \(message.from): \(message.subject)  (\(message.path) on \(message.ref))")
            print(text)
            return
        }
        let messages = try await session.practitioner { try await $0.inbox(all: self.all) }
        if self.json {
            return try printJSONObject([
                "messages": messages.map {
                    [
                        "path": $0.path, "from": $0.from, "subject": $0.subject, "ref": $0.ref,
                        "coordinates": $0.coordinates, "is_read": $0.isRead,
                    ] as [String: Any]
                }
            ])
        }
        if messages.isEmpty { print(self.all ? "no messages" : "no unread messages") }
        for message in messages {
            print("\(message.isRead ? " " : "*") \(message.from)  \(message.subject)  \(message.path)")
        }
    }
}

/// `choros-admin close ID REASON`: a proposal closed for good, signed by the practitioner.
struct Close: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Close a proposal for good, with a reason.")
    @Argument var proposal: String
    @Argument var reason: String
    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let session = try AdminSession(self.options)
        let result = try await session.practitioner { try await $0.close(self.proposal, reason: self.reason) }
        if self.json { return try printJSON(result) }
        print(result.already ? "\(self.proposal) was already closed" : "closed \(self.proposal): \(self.reason)")
    }
}

/// `choros-admin cockpit`: starts `choros-cockpit` (beside this executable) in the foreground.
struct CockpitLauncher: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cockpit",
        abstract: "Start the practitioner's cockpit on 127.0.0.1 and print its one-time login URL."
    )
    @Option(help: "The port (default: cockpit_port, 8788; 0 picks a free one).") var port: Int?
    @Flag(help: "Do not try to open the login URL in a browser.") var noBrowser = false
    @OptionGroup var options: DaemonOptions

    func run() async throws {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let cockpit = here.appendingPathComponent("choros-cockpit").path
        guard FileManager.default.isExecutableFile(atPath: cockpit) else {
            throw AdminFailure("choros-cockpit is not beside choros-admin (\(cockpit))")
        }
        var arguments = [cockpit]
        if let file = self.options.configurationFile { arguments += ["--config", file] }
        if let directory = self.options.dataDirectory { arguments += ["--data-dir", directory] }
        if let port = self.port { arguments += ["--port", String(port)] }
        if self.noBrowser { arguments.append("--no-browser") }
        // The cockpit takes this process's place: its output, its signals, its exit code.
        let argv = arguments.map { strdup($0) } + [nil]
        execv(cockpit, argv)
        throw AdminFailure("cannot start \(cockpit): \(String(cString: strerror(errno)))")
    }
}

/// Entry diffs for a terminal: `+`/`-` lines, coloured when stdout is one.
struct DiffPrinter {
    let colour: Bool

    func print(_ changes: [EntryChange]) {
        for change in changes {
            let against = change.beforePath.map { " (against canon's \($0))" } ?? ""
            Swift.print("\n\(self.paint("1", "\(change.kind.rawValue) \(change.path)"))\(against)")
            if let origin = change.entry?.scalar("origin_author") { Swift.print("  origin_author: \(origin)") }
            if change.lines.isEmpty {
                let text = change.kind == .removed ? change.before ?? "" : change.text
                for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                    Swift.print(
                        self.paint(
                            change.kind == .removed ? "31" : "32",
                            "\(change.kind == .removed ? "-" : "+") \(line)"
                        )
                    )
                }
                continue
            }
            for line in change.lines {
                switch line.kind {
                case .added: Swift.print(self.paint("32", "+ \(line.text)"))
                case .removed: Swift.print(self.paint("31", "- \(line.text)"))
                case .same: Swift.print("  \(line.text)")
                case .gap: Swift.print(self.paint("2", "… \(line.text)"))
                }
            }
        }
    }

    private func paint(_ code: String, _ text: String) -> String {
        self.colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    static func json(_ change: EntryChange) -> [String: Any] {
        var row: [String: Any] = [
            "path": change.path, "kind": change.kind.rawValue, "text": change.text,
            "lines": change.lines.map { ["kind": $0.kind.rawValue, "text": $0.text] },
        ]
        if let before = change.beforePath { row["before_path"] = before }
        return row
    }
}
