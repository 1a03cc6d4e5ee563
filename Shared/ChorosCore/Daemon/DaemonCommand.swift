package import ArgumentParser
internal import Foundation
internal import NIOCore
internal import NIOPosix

/// The `@main` type of every daemon (and of `choros up`).
///
/// Before anything else runs, it makes NIO's event loops Swift concurrency's global executor:
/// calls, their handlers and their clients then run on the same few threads instead of
/// hopping between the cooperative pool and the event loops (the wire benchmark measures the
/// difference). Nothing in a daemon may block a task; blocking work goes to a thread pool.
package protocol DaemonCommand: AsyncParsableCommand {}

extension DaemonCommand {
    package static func main() async {
        // Must run on the main thread before any other task; `async main` starts there.
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        do {
            var command = try Self.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // Usage errors exit 2, as every Choros command line does (ArgumentParser's is 64).
            if Self.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((Self.fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            Self.exit(withError: error)
        }
    }
}
