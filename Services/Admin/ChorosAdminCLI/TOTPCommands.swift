import ArgumentParser
import ChorosCore
import Foundation

/// `choros-admin totp-provision`: writes the airlock's TOTP secret (0600) and prints the
/// `otpauth://` URI for the practitioner's authenticator app.
struct TOTPProvision: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "totp-provision",
        abstract: "Create the airlock's TOTP secret and show the otpauth:// URI (--qr draws it with qrencode)."
    )

    @OptionGroup var options: DaemonOptions
    @Flag(help: "Replace an existing secret (codes from the old one stop working).") var force = false
    @Flag(help: "Show the URI as a terminal QR code (needs qrencode); with an existing secret, re-display it.")
    var qr = false

    func run() async throws {
        let configuration = try self.options.withDefaultDataDirectory.loadConfiguration()
        let path = configuration.airlockSecretPath
        let secret: TOTPSecret
        if FileManager.default.fileExists(atPath: path) && !self.force {
            guard self.qr else {
                FileHandle.standardError.write(Data("choros-admin: \(TOTPSecretError.exists(path))\n".utf8))
                throw ExitCode.failure
            }
            secret = try TOTPSecret.load(from: path)
        } else {
            secret = TOTPSecret.generate()
            try secret.save(to: path, replacing: self.force)
            print("wrote \(path) (mode 0600)")
        }
        let uri = secret.provisioningURI(deployment: configuration.deploymentName)
        print(uri)
        if self.qr {
            let qrencode = Process()
            qrencode.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            qrencode.arguments = ["qrencode", "-t", "ansiutf8", uri]
            if (try? qrencode.run()) != nil {
                qrencode.waitUntilExit()
            } else {
                print("(install qrencode to see a QR code)")
            }
        }
    }
}

/// `choros-admin totp-check CODE`: verifies a code without consuming anything; on a miss,
/// reports the clock skew in windows (searching ±10) or says the app holds another secret.
struct TOTPCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "totp-check",
        abstract: "Check a TOTP code without using it."
    )

    @Argument(help: "The 6-digit code.") var code: String
    @OptionGroup var options: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let configuration = try self.options.withDefaultDataDirectory.loadConfiguration()
        let totp = TOTP(secret: try TOTPSecret.load(from: configuration.airlockSecretPath).bytes)
        let now = TOTP.window(at: Int64(Date().timeIntervalSince1970))
        let accepted = totp.matchingWindow(for: self.code, around: now, tolerance: 1)
        let skew = accepted ?? totp.matchingWindow(for: self.code, around: now, tolerance: 10)
        let offset = skew.map { $0 - now }
        if self.json {
            let object: [String: Any] = ["valid": accepted != nil, "skew_windows": offset.map { Int($0) } as Any]
            print(
                String(
                    decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
                    as: UTF8.self
                )
            )
        } else if let offset, accepted != nil {
            print("valid (window offset \(offset))")
        } else if let offset {
            print("not accepted: the code matches window offset \(offset) (the clock is off by about \(offset * 30) s)")
        } else {
            print("no match within ±10 windows: the app may hold another secret")
        }
        if accepted == nil { throw ExitCode.failure }
    }
}
