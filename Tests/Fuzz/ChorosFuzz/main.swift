import ArgumentParser
import ChorosFuzzing
import Foundation

// choros-fuzz TARGET [libFuzzer options and corpus directories]
//
// Built by scripts/fuzz with -sanitize=fuzzer (and CHOROS_FUZZ), this is libFuzzer's driver
// over one target. Built normally, it replays the files and directories it is given.

#if CHOROS_FUZZ
// libFuzzer runs itself again for -merge and -jobs with the arguments it was given, which no
// longer name the target: the environment carries it to those children.
var arguments = CommandLine.arguments
if arguments.count < 2 || FuzzTarget(rawValue: arguments[1]) == nil,
    let inherited = ProcessInfo.processInfo.environment["CHOROS_FUZZ_TARGET"]
{
    arguments.insert(inherited, at: min(1, arguments.count))
}
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
    FileHandle.standardError.write(Data("usage: choros-fuzz \(names) [corpus...]\n".utf8))
    exit(2)
}

nonisolated(unsafe) var current = target
setenv("CHOROS_FUZZ_TARGET", target.rawValue, 1)

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

// libFuzzer sees the program name and the arguments after the target's.
var driverArguments = [arguments[0]] + arguments.dropFirst(2)
var pointers = driverArguments.map { strdup($0) } + [nil]
var count = Int32(driverArguments.count)
let status = pointers.withUnsafeMutableBufferPointer { buffer in
    var base = buffer.baseAddress
    return runDriver(&count, &base) { data, size in
        current.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
exit(status)
#else
/// The normal build: a command like the others (so ArgumentParser's manual plugin, which asks
/// every executable for its help, can read this one too).
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "choros-fuzz",
        abstract: "Replay fuzz inputs through one target (scripts/fuzz builds the fuzzer itself)."
    )

    @Argument(help: "The target: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")).")
    var target: String
    @Argument(help: "Input files and directories of inputs.")
    var inputs: [String] = []

    func validate() throws {
        guard FuzzTarget(rawValue: self.target) != nil else {
            throw ValidationError("unknown target '\(self.target)'")
        }
    }

    func run() {
        guard let target = FuzzTarget(rawValue: self.target) else { return }
        var replayed = 0
        for path in self.inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            let files =
                isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).map { path + "/" + $0 } : [path]
            for file in files.sorted() {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target.run([UInt8](data))
                replayed += 1
            }
        }
        print("choros-fuzz \(target.rawValue): replayed \(replayed) inputs")
    }
}

Replay.main()
#endif
