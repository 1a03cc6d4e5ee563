import Foundation
import PackagePlugin

/// Stamps `chorosBuildVersion` (the `git describe` of the sources being built, or
/// `CHOROS_VERSION` when set, as in a Docker build without `.git`) into ChorosBuildVersion, so every
/// executable's `--version` names the build it is. The file is rewritten only when the
/// version changes, so an unchanged tree rebuilds nothing.
@main
struct BuildVersion: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "Generated")
        let script = """
            mkdir -p "$2"
            version=${CHOROS_VERSION:-$(git -C "$1" describe --tags --always --dirty 2>/dev/null || echo unknown)}
            line="public let chorosBuildVersion = \\"$version\\""
            [ "$(cat "$2/BuildVersion.swift" 2>/dev/null)" = "$line" ] || printf '%s\\n' "$line" > "$2/BuildVersion.swift"
            """
        return [
            .prebuildCommand(
                displayName: "Stamping the build's git describe",
                executable: URL(filePath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                outputFilesDirectory: output
            )
        ]
    }
}
