import ArgumentParser
import ChorosAudit
import ChorosBuildVersion
import ChorosCore

@main
struct AuditDaemonCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "choros-audit",
        abstract: "choros-audit: the hash-chained operation log.",
        version: chorosBuildVersion
    )

    @OptionGroup var options: DaemonOptions

    func run() async {
        await DaemonRunner.run(name: "audit", options: self.options, makeServices: makeAuditDaemon)
    }
}
