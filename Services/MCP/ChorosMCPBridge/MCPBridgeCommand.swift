import ArgumentParser
import ChorosBuildVersion
import ChorosCore
import ChorosMCP
import Foundation
import Logging

/// `choros-mcp`: the MCP server an instance's client starts over stdio, bound to one
/// enrolled key. Logs go to stderr only: stdout carries the protocol.
@main
struct MCPBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "choros-mcp",
        abstract: "MCP server over stdio for one enrolled Choros instance.",
        version: chorosBuildVersion
    )

    @Option(help: "The instance's key file (from choros-admin instance add).")
    var key: String

    @Option(help: "The gateway socket (default: the configured run directory's gateway.sock).")
    var socket: String?

    @OptionGroup var options: DaemonOptions

    func run() async throws {
        let parent = getppid()
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "choros-mcp")
        logger.logLevel = .notice
        do {
            let signingKey = try SigningKey.load(from: self.key)
            let socket =
                try self.socket ?? self.options.withDefaultDataDirectory.loadConfiguration().socketPath(for: "gateway")
            try await MCPBridge(socketPath: socket, key: signingKey, logger: logger).run(parent: parent)
        } catch {
            FileHandle.standardError.write(Data("choros-mcp: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
