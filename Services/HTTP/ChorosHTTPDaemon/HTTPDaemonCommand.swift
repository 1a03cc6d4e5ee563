import ArgumentParser
import ChorosBuildVersion
import ChorosCore
import ChorosHTTP

@main
struct HTTPDaemonCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "choros-http",
        abstract: "choros-http: MCP over Streamable HTTP for remote instances (the HTTP door).",
        version: chorosBuildVersion
    )

    @OptionGroup var options: DaemonOptions

    func run() async {
        await DaemonRunner.run(name: "http", options: self.options, makeServices: makeHTTPDaemon)
    }
}
