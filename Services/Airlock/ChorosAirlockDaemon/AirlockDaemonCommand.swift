import ArgumentParser
import ChorosAirlock
import ChorosBuildVersion
import ChorosCore

@main
struct AirlockDaemonCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "choros-airlock",
        abstract: "choros-airlock: the practitioner's gate (TOTP, landing).",
        version: chorosBuildVersion
    )

    @OptionGroup var options: DaemonOptions

    func run() async {
        await DaemonRunner.run(name: "airlock", options: self.options, makeServices: makeAirlockDaemon)
    }
}
