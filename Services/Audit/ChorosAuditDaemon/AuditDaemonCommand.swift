import ArgumentParser
import ChorosCore
import ChorosAudit

@main
struct AuditDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "choros-audit", abstract: "choros-audit: the hash-chained operation log.")

    @OptionGroup var options: DaemonOptions

    func run() async {
        await DaemonRunner.run(name: "audit", options: self.options, makeServices: makeAuditDaemon)
    }
}
