import ArgumentParser
import ChorosCore
import ChorosProto
import ChorosSupervisor
import ChorosWire
import Foundation
import SwiftProtobuf

/// Options shared by the commands that talk to a running supervisor.
struct ControlOptions: ParsableArguments {
    @OptionGroup var daemon: DaemonOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func loadConfiguration() throws -> ChorosConfiguration {
        try self.daemon.withDefaultDataDirectory.loadConfiguration()
    }

    func supervisorClient() throws -> WireClient {
        WireClient(socketPath: try self.loadConfiguration().socketPath(for: "supervisor"))
    }
}

/// Runs `body`, printing a failure to stderr and exiting 1 (refused or unreachable).
func reportingFailures(_ command: String, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as RPCError where error.code == .unavailable {
        FileHandle.standardError.write(
            Data("choros \(command): the supervisor is not running (\(error.message))\n".utf8)
        )
        throw ExitCode.failure
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("choros \(command): \(error)\n".utf8))
        throw ExitCode.failure
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show each daemon's pid, uptime, health and figures.")

    @OptionGroup var options: ControlOptions

    func run() async throws {
        try await reportingFailures("status") {
            let client = try self.options.supervisorClient()
            let status = try await client.call(SupervisorRPC.status, Choros_V1_SupervisorStatusRequest())
            await client.close()
            if self.options.json { try printJSON(status) } else { print(StatusTable(status).text) }
        }
    }
}

struct Restart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Restart one daemon; clients reconnect by themselves.")

    @Argument(help: "store, audit, index, airlock or gateway.")
    var name: String

    @OptionGroup var options: ControlOptions

    func run() async throws {
        try await reportingFailures("restart") {
            let client = try self.options.supervisorClient()
            var request = Choros_V1_SupervisorRestartRequest()
            request.name = self.name
            let response = try await client.call(
                SupervisorRPC.restart,
                request,
                options: CallOptions(timeout: .seconds(40))
            )
            await client.close()
            if self.options.json {
                try printJSON(response)
            } else {
                print("restarted \(response.daemon.name): pid \(response.daemon.pid), \(response.daemon.state)")
            }
        }
    }
}

struct Stop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop every daemon and the supervisor, gracefully.")

    @OptionGroup var options: ControlOptions

    func run() async throws {
        try await reportingFailures("stop") {
            let configuration = try self.options.loadConfiguration()
            let client = WireClient(socketPath: configuration.socketPath(for: "supervisor"))
            _ = try await client.call(
                SupervisorRPC.stop,
                Choros_V1_SupervisorStopRequest(),
                options: CallOptions(timeout: .seconds(90), isIdempotent: false)
            )
            await client.close()
            // Returns only once the supervisor process has exited and released its lock.
            let lockPath = configuration.runDirectory + "/supervisor.lock"
            for _ in 0..<300 {
                if (try? ProcessLock(path: lockPath)) != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            print(self.options.json ? #"{"stopped":true}"# : "stopped")
        }
    }
}

struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a daemon's log (<data_dir>/logs/NAME.log).")

    @Argument(help: "store, audit, index, airlock or gateway.")
    var name: String

    @Option(help: "How many lines from the end.")
    var lines = 100

    @Flag(name: .shortAndLong, help: "Keep printing what is appended.")
    var follow = false

    /// No `--json`: a log is the daemon's own lines (`log_format` chooses them), so the flag is
    /// refused as unknown rather than ignored.
    @OptionGroup var options: DaemonOptions

    func run() async throws {
        try await reportingFailures("logs") {
            guard (SupervisorRPC.daemonNames + SupervisorRPC.optionalDaemonNames).contains(self.name) else {
                throw SupervisorError.unknownDaemon(self.name)
            }
            let path =
                try self.options.withDefaultDataDirectory.loadConfiguration().dataDirectory + "/logs/\(self.name).log"
            guard var handle = FileHandle(forReadingAtPath: path) else {
                throw ValidationError("no log at \(path): has choros up run with this data directory?")
            }
            FileHandle.standardOutput.write(try Self.lastLines(self.lines, of: handle))
            while self.follow {
                try await Task.sleep(for: .milliseconds(250))
                FileHandle.standardOutput.write(handle.readDataToEndOfFile())
                // Rotated (or moved by logrotate): the rest of the old file is printed, then the new one.
                if Self.inode(path) != Self.inode(descriptor: handle.fileDescriptor),
                    let next = FileHandle(forReadingAtPath: path)
                {
                    handle = next
                }
            }
        }
    }

    private static func inode(_ path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
    }

    private static func inode(descriptor: Int32) -> UInt64? {
        var info = stat()
        return fstat(descriptor, &info) == 0 ? UInt64(info.st_ino) : nil
    }

    /// The last `count` lines, read backwards from the end in chunks, so a large log costs
    /// what is printed; leaves `handle` at the end, where `--follow` goes on.
    static func lastLines(_ count: Int, of handle: FileHandle) throws -> Data {
        let end = try handle.seekToEnd()
        let newline = UInt8(ascii: "\n")
        var start = end
        var tail = Data()
        // count + 1 newlines: the first piece read is the end of a line that began earlier.
        while start > 0, tail.count(where: { $0 == newline }) <= count {
            let size = min(UInt64(64 << 10), start)
            start -= size
            try handle.seek(toOffset: start)
            tail = (try handle.read(upToCount: Int(size)) ?? Data()) + tail
        }
        try handle.seek(toOffset: end)
        var lines = tail.split(separator: newline, omittingEmptySubsequences: false)
        let ended = tail.last == newline
        if ended { lines.removeLast() }
        if start > 0 { lines.removeFirst() }
        let kept = lines.suffix(max(count, 0))
        return Data(kept.joined(separator: [newline])) + (ended && !kept.isEmpty ? [newline] : [])
    }
}
