import ArgumentParser
import ChorosBuildVersion
import ChorosCore
import ChorosGateway

@main
struct GatewayDaemonCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "choros-gateway",
        abstract: "choros-gateway: the only socket instances are given.",
        version: chorosBuildVersion
    )

    @OptionGroup var options: DaemonOptions

    func run() async {
        await DaemonRunner.run(
            name: "gateway",
            options: self.options,
            makeServices: { try await makeGatewayDaemon(configuration: $0, logger: $1) }
        )
    }
}
