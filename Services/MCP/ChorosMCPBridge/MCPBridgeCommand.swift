import ArgumentParser
import Foundation

/// `choros-mcp`: the MCP bridge an instance's client starts over stdio. It arrives with
/// issue #9 (MCP server, handshake, signed writes); until then it refuses clearly, on
/// stderr, so an MCP client never mistakes it for a working server.
@main
struct MCPBridgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "choros-mcp",
        abstract: "MCP server over stdio for one enrolled Choros instance."
    )

    @Option(help: "The instance's key file.")
    var key: String?

    @Option(help: "The gateway socket.")
    var socket: String?

    func run() throws {
        FileHandle.standardError.write(Data("choros-mcp: the MCP bridge is not available in this build yet\n".utf8))
        throw ExitCode.failure
    }
}
