import ArgumentParser
import ChorosCore
import Foundation

/// `choros verify-bundle FILE`: checks an explanation bundle offline, with no daemon running.
/// Exit 0 verified, 1 not (the reason on stderr), 2 usage or an unreadable file.
struct VerifyBundle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-bundle",
        abstract: "Verify an explanation bundle offline: signatures, op ids, the hash chain and the anchor."
    )
    @Argument(help: "The bundle file (choros-admin explain CLAIM --bundle FILE).") var file: String
    @Option(help: "The deployment's system author id (mnk_…), to pin the anchor's signer.") var systemKey: String?

    func run() throws {
        guard let data = FileManager.default.contents(atPath: self.file) else {
            FileHandle.standardError.write(Data("verify-bundle: cannot read \(self.file)\n".utf8))
            throw ExitCode(2)
        }
        do {
            let verified = try ExplanationBundle.verify(Array(data), systemAuthor: self.systemKey)
            print("verified: claim \(verified.claim)")
            print("  \(verified.ops) signed ops, chain seq \(verified.firstSeq)…\(verified.anchorSeq) up to the anchor")
            print(
                "  anchor signed by \(verified.systemAuthor)\(self.systemKey == nil ? " (pass --system-key to pin it)" : "")"
            )
        } catch {
            FileHandle.standardError.write(Data("NOT VERIFIED: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}
