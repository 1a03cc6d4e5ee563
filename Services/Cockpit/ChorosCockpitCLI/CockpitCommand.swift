import ArgumentParser
import ChorosBuildVersion
import ChorosCockpit
import ChorosCore
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `choros-cockpit` (`choros-admin cockpit` starts it): the practitioner's cockpit on
/// 127.0.0.1, reached through the one-time login URL it prints.
@main
struct CockpitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "choros-cockpit",
        abstract: "The practitioner's cockpit: review, land, mail, claims, connectors, instances, audit.",
        version: chorosBuildVersion
    )

    @OptionGroup var options: DaemonOptions
    @Option(help: "The port on 127.0.0.1 (default: cockpit_port, 8788; 0 picks a free one).") var port: Int?
    @Flag(help: "Do not try to open the login URL in a browser.") var noBrowser = false

    func run() async throws {
        let configuration = try self.options.withDefaultDataDirectory.loadConfiguration()
        var logger = Logger(label: "choros-cockpit")
        logger.logLevel = .notice
        let openBrowser = !self.noBrowser
        let cockpit = try makeCockpit(configuration: configuration, port: self.port, logger: logger) { url in
            FileHandle.standardOutput.write(
                Data("choros cockpit: open \(url)\n(the URL logs in once; Ctrl-C stops the cockpit)\n".utf8)
            )
            if openBrowser { Self.open(url) }
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: cockpit)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }

    /// Opens the URL in the desktop's browser when there is a desktop; a headless machine just
    /// prints it. The browser is handed a 0600 file that redirects to the URL, never the URL
    /// itself: a command line is readable by every local user in /proc, the file is not.
    static func open(_ url: String) {
        let environment = ProcessInfo.processInfo.environment
        guard environment["DISPLAY"] != nil || environment["WAYLAND_DISPLAY"] != nil,
            FileManager.default.isExecutableFile(atPath: "/usr/bin/xdg-open")
        else { return }
        let directory = environment["XDG_RUNTIME_DIR"] ?? NSTemporaryDirectory()
        let path = directory + "/choros-cockpit-\(getpid()).html"
        let page =
            "<!doctype html><meta http-equiv=\"refresh\" content=\"0;url=\(url)\"><a href=\"\(url)\">Open the cockpit</a>\n"
        let descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        _ = page.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/xdg-open")
        process.arguments = [path]
        try? process.run()
    }
}
