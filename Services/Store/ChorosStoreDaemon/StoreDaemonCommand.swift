import ArgumentParser
import ChorosBuildVersion
import ChorosCore
import ChorosStore

@main
struct StoreDaemonCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "choros-store",
        abstract: "choros-store: the git store (libgit2).",
        version: chorosBuildVersion
    )

    @OptionGroup var options: DaemonOptions

    func run() async {
        await DaemonRunner.run(name: "store", options: self.options, makeServices: makeStoreDaemon)
    }
}
