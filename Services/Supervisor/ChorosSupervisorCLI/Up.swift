import ArgumentParser
import ChorosCore
import ChorosSupervisor
import Foundation

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start every daemon in order and supervise them until Ctrl-C, SIGTERM or `choros stop`."
    )

    @OptionGroup var options: DaemonOptions

    func run() async {
        var options = self.options
        do {
            options = try Deployment.prepare(options)
        } catch {
            FileHandle.standardError.write(Data("choros up: \(error)\n".utf8))
            Foundation.exit(1)
        }
        let daemonArguments =
            options.configurationFile.map { ["--config", $0] } ?? options.dataDirectory.map { ["--data-dir", $0] } ?? []
        await DaemonRunner.run(name: "supervisor", options: options) { configuration, logger in
            Deployment.printWelcome(configuration)
            var supervisorConfiguration = SupervisorConfiguration(
                binDirectory: Deployment.binDirectory,
                daemonArguments: daemonArguments,
                runDirectory: configuration.runDirectory,
                logDirectory: configuration.dataDirectory + "/logs",
                dataDirectory: configuration.dataDirectory
            )
            if configuration.httpEnabled { supervisorConfiguration.daemonNames.append("http") }
            supervisorConfiguration.initializer = [Deployment.binDirectory + "/choros-admin", "init"] + daemonArguments
            supervisorConfiguration.logMaximumBytes = configuration.logMaximumMegabytes << 20
            supervisorConfiguration.logKeep = configuration.logKeep
            return makeSupervisorDaemon(
                configuration: configuration,
                supervisorConfiguration: supervisorConfiguration,
                logger: logger
            )
        }
    }
}
