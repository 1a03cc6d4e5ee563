package import ChorosCore

/// What `choros-store` reads from the deployment's configuration.
///
/// - `gitDirectory` (`git_dir`): the bare repository, created on first start.
/// - `canonRef` (`canon_ref`): refused to `Commit`; moved only by `LandMerge`.
/// - `approvers` (`approvers`): registry names whose signed `canon.land` may land.
/// - `committerName` / `committerEmail`: the bot identity on every commit.
/// - `opFreshnessSeconds` (`op_freshness_s`): how old an approval may be.
package struct StoreConfiguration: Sendable {
    package var gitDirectory: String
    package var canonRef: String
    package var approvers: [String]
    package var committerName: String
    package var committerEmail: String
    package var opFreshnessSeconds: Int
    /// Where a local mirror may be pushed (`backup_dirs`), and which network remotes.
    package var backupDirectories: [String]
    package var mirrorRemotes: [String]
    /// The deployment every signed op must name (TRUST.md, rule 7).
    package var deploymentID: String
    /// The wire's frame bound: an answer must fit one.
    package var maximumFrameBytes: Int

    package init(_ configuration: ChorosConfiguration) throws {
        self.deploymentID = try configuration.deploymentID()
        self.gitDirectory = configuration.gitDirectory
        self.canonRef = configuration.canonRef
        self.approvers = configuration.approvers
        self.committerName = configuration.committerName
        self.committerEmail = configuration.committerEmail
        self.opFreshnessSeconds = configuration.opFreshnessSeconds
        self.backupDirectories = configuration.backupDirectories
        self.mirrorRemotes = configuration.mirrorRemotes
        self.maximumFrameBytes = configuration.maximumFrameBytes
    }

    /// The namespaces that are mirrored and verified (STORE.md, Sync).
    static let mirroredPrefixes = ["refs/heads/", "refs/cap/", "refs/tags/state/", "refs/backup/"]
}
