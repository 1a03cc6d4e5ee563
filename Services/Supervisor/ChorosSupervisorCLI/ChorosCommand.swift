import ArgumentParser
import ChorosBuildVersion
import ChorosCore

@main
struct ChorosCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "choros",
        abstract: "Run and supervise the Choros daemons.",
        version: chorosBuildVersion,
        subcommands: [Up.self, Status.self, Restart.self, Stop.self, Logs.self, Config.self, VerifyBundle.self]
    )
}
