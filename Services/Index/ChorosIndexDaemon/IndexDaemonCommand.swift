import ArgumentParser
import ChorosBuildVersion
import ChorosCore
import ChorosIndex

@main
struct IndexDaemonCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "choros-index",
        abstract: "choros-index: the search index.",
        version: chorosBuildVersion
    )

    @OptionGroup var options: DaemonOptions

    func run() async {
        await DaemonRunner.run(name: "index", options: self.options, makeServices: makeIndexDaemon)
    }
}
