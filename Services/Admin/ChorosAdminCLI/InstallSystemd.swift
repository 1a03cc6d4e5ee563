import ArgumentParser
import Foundation

/// `choros-admin install-systemd`: one unit per daemon and `choros.target`, for a data dir.
///
/// The units run each daemon alone, as compose does, instead of under `choros up`: systemd is
/// then the supervisor (restart, ordering, logs in the journal). Sockets go to
/// `/run/choros` (RuntimeDirectory, kept while any unit runs); a daemon that exits 78 (bad
/// configuration) is not restarted.
struct InstallSystemd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install-systemd",
        abstract: "Write systemd units (choros.target and one service per daemon) for a data directory."
    )

    @Option(name: .customLong("data-dir"), help: "The data directory the units serve.")
    var dataDirectory = "/var/lib/choros"
    @Option(name: .customLong("bin-dir"), help: "Where the choros executables are installed.")
    var binDirectory = "/usr/bin"
    @Option(help: "The service user (and group) the daemons run as.")
    var user = "choros"
    @Option(help: "Where to write the units.")
    var output = "/etc/systemd/system"

    func validate() throws {
        for (name, path) in [("--data-dir", self.dataDirectory), ("--bin-dir", self.binDirectory)] {
            guard path.hasPrefix("/"), !path.contains(where: { $0.isWhitespace || $0 == "%" }) else {
                throw ValidationError("\(name) must be an absolute path without spaces or '%': \(path)")
            }
        }
        guard !self.user.isEmpty, self.user.allSatisfy({ $0.isLetter || $0.isNumber || "_-".contains($0) }) else {
            throw ValidationError("--user must be a user name: \(self.user)")
        }
    }

    func run() throws {
        let units = SystemdUnits(dataDirectory: self.dataDirectory, binDirectory: self.binDirectory, user: self.user)
        try FileManager.default.createDirectory(atPath: self.output, withIntermediateDirectories: true)
        for (name, text) in units.files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: self.output + "/" + name))
            print("wrote \(self.output)/\(name)")
        }
        print("then: systemctl daemon-reload && systemctl enable --now choros.target")
    }
}

/// The unit files' text.
struct SystemdUnits {
    var dataDirectory: String
    var binDirectory: String
    var user: String

    static let daemons = ["store", "audit", "index", "airlock", "gateway"]

    var files: [(name: String, text: String)] {
        [("choros.target", self.target)] + Self.daemons.map { ("choros-\($0).service", self.service($0)) }
            + [("choros-init.service", self.initService)]
    }

    private var target: String {
        """
        [Unit]
        Description=Choros: shared knowledge for AI instances, gated by the practitioner
        Wants=\((Self.daemons.map { "choros-\($0).service" } + ["choros-init.service"]).joined(separator: " "))

        [Install]
        WantedBy=multi-user.target

        """
    }

    /// Each daemon after the one before it, in the order `choros up` starts them; the
    /// gateway also after `init`.
    private func service(_ name: String) -> String {
        let index = Self.daemons.firstIndex(of: name) ?? 0
        var after = index == 0 ? [] : ["choros-\(Self.daemons[index - 1]).service"]
        if name == "gateway" { after.append("choros-init.service") }
        return self.unit(
            description: "Choros \(name) daemon",
            after: after,
            service: """
                Type=exec
                ExecStart=\(self.binDirectory)/choros-\(name) --data-dir \(self.dataDirectory)
                Restart=on-failure
                RestartSec=1
                RestartPreventExitStatus=78
                """
        )
    }

    /// `choros-admin init` once the daemons it needs answer; harmless when already done.
    private var initService: String {
        self.unit(
            description: "Choros: create the practitioner's key and bootstrap canon (once)",
            after: ["choros-airlock.service"],
            service: """
                Type=oneshot
                RemainAfterExit=yes
                ExecStart=\(self.binDirectory)/choros-admin init --data-dir \(self.dataDirectory)
                """
        )
    }

    private func unit(description: String, after: [String], service: String) -> String {
        """
        [Unit]
        Description=\(description)
        PartOf=choros.target
        \(after.isEmpty ? "" : "After=\(after.joined(separator: " "))\nRequires=\(after.joined(separator: " "))\n")
        [Service]
        \(service)
        User=\(self.user)
        Group=\(self.user)
        Environment=CHOROS_RUN_DIR=/run/choros
        RuntimeDirectory=choros
        RuntimeDirectoryMode=0755
        RuntimeDirectoryPreserve=yes
        UMask=0077
        ProtectSystem=strict
        ProtectHome=yes
        ReadWritePaths=\(self.dataDirectory)
        PrivateTmp=yes
        PrivateDevices=yes
        NoNewPrivileges=yes
        ProtectKernelTunables=yes
        ProtectKernelModules=yes
        ProtectControlGroups=yes
        RestrictSUIDSGID=yes
        LockPersonality=yes

        [Install]
        WantedBy=choros.target

        """
    }
}
