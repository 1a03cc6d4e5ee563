internal import Foundation
internal import Logging

extension Supervisor {
    /// Runs the configured first-run setup and logs its outcome; a failure is reported, not
    /// fatal: the daemons serve, and the practitioner can run `choros-admin init` by hand.
    func runInitializer() async {
        guard let command = self.configuration.initializer, let executable = command.first else { return }
        let logPath = self.configuration.logDirectory + "/init.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(command.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        process.standardError = process.standardOutput
        do {
            try process.run()
            while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            if process.terminationStatus == 0 {
                self.logger.info("deployment initialized", metadata: ["log": "\(logPath)"])
            } else {
                self.logger.error(
                    "initialization failed",
                    metadata: ["status": "\(process.terminationStatus)", "log": "\(logPath)"]
                )
            }
        } catch {
            self.logger.error("initialization could not start", metadata: ["error": "\(error)"])
        }
    }
}
