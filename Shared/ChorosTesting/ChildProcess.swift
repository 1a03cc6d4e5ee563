package import Foundation

/// A built Choros executable run by a test, with its output captured to files in the test's
/// temporary directory (pipes could fill and block a chatty daemon).
package final class ChildProcess: Sendable {
    package let process: Process
    package let outputPath: String
    package let errorPath: String

    /// The folder holding the built executables: the test bundle's own folder under `.build`.
    package static var binDirectory: String {
        let path =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (path as NSString).deletingLastPathComponent
    }

    /// Starts `choros…` executable `name` with `arguments`.
    package convenience init(
        _ name: String,
        _ arguments: [String],
        outputDirectory: String,
        environment: [String: String] = [:]
    ) throws {
        try self.init(
            executable: Self.binDirectory + "/" + name,
            arguments,
            outputDirectory: outputDirectory,
            environment: environment
        )
    }

    /// Starts the program at `executable` (an absolute path) with `arguments`, and `environment`
    /// added to the test's own.
    package init(
        executable: String,
        _ arguments: [String],
        outputDirectory: String,
        environment: [String: String] = [:]
    ) throws {
        let name = (executable as NSString).lastPathComponent
        let stamp = UUID().uuidString.prefix(8)
        self.outputPath = "\(outputDirectory)/\(name)-\(stamp).out"
        self.errorPath = "\(outputDirectory)/\(name)-\(stamp).err"
        _ = FileManager.default.createFile(atPath: self.outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: self.errorPath, contents: nil)
        self.process = Process()
        self.process.executableURL = URL(fileURLWithPath: executable)
        self.process.arguments = arguments
        if !environment.isEmpty {
            self.process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        self.process.standardInput = FileHandle.nullDevice
        self.process.standardOutput = FileHandle(forWritingAtPath: self.outputPath)
        self.process.standardError = FileHandle(forWritingAtPath: self.errorPath)
        try self.process.run()
    }

    package var pid: Int32 { self.process.processIdentifier }

    package var output: String { (try? String(contentsOfFile: self.outputPath, encoding: .utf8)) ?? "" }
    package var errorOutput: String { (try? String(contentsOfFile: self.errorPath, encoding: .utf8)) ?? "" }

    /// Waits (without blocking a thread) for the exit; nil if it is still running at `timeout`.
    package func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while self.process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        return self.process.terminationStatus
    }

    package func signal(_ signal: Int32) {
        if self.process.isRunning { kill(self.pid, signal) }
    }

    /// Runs `name` to completion and returns its exit status and output.
    package static func run(
        _ name: String,
        _ arguments: [String],
        outputDirectory: String,
        timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, output: String, error: String) {
        let executable = name.hasPrefix("/") ? name : Self.binDirectory + "/" + name
        let child = try ChildProcess(executable: executable, arguments, outputDirectory: outputDirectory)
        guard let status = try await child.waitForExit(timeout: timeout) else {
            // Whether it hung or exited unseen tells a stuck program from a missed reap.
            let state = Self.processState(child.pid)
            child.signal(SIGKILL)
            return (-1, child.output, child.errorOutput + "\n(timed out; \(state))")
        }
        return (status, child.output, child.errorOutput)
    }
}

extension ChildProcess {
    /// The kernel's view of `pid`: its state letter and each thread's wait channel.
    static func processState(_ pid: Int32) -> String {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        let state = stat.lastIndex(of: ")").map { String(stat[$0...].dropFirst(2).prefix(1)) } ?? "gone"
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        let channels = threads.sorted().map { thread in
            (try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/wchan", encoding: .utf8)) ?? "?"
        }
        return "state \(state), threads waiting in \(channels.joined(separator: ","))"
    }
}

/// True while a process with this pid exists and is not a zombie.
package func isProcessAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    // The state follows the parenthesised command name: "Z" is a zombie awaiting its reaper.
    guard let close = stat.lastIndex(of: ")") else { return true }
    return !stat[close...].dropFirst(2).hasPrefix("Z")
}
