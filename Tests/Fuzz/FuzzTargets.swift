import ABCore
import ABProviders
import Foundation

/// The coverage-guided fuzz targets (libFuzzer, `make fuzz`; `make test` runs each for a fixed budget).
///
/// Each target parses hostile bytes and checks a property a broken parser would fail, beyond "does not crash":
/// - `json`: what abtop writes of a parsed document parses again to the same writing (canonical JSON out);
/// - `config`: the config reader answers every input with a config or with errors, never both, never a trap;
/// - `sse`: the SSE and AWS event-stream parsers and every dialect's stream decoder give the same result however
///   the bytes are split.
enum FuzzTargets {
    static func run(_ target: String, _ bytes: [UInt8]) {
        switch target {
        case "json": json(bytes)
        case "config": config(bytes)
        case "sse": sse(bytes)
        default: fatalError("unknown fuzz target \(target): json, config, sse")
        }
    }

    static func json(_ bytes: [UInt8]) {
        guard let value = try? JSONParser.parse(utf8: bytes) else { return }
        let written = value.rendered()
        guard let again = try? JSONParser.parse(written) else {
            fatalError("abtop wrote JSON it cannot read: \(written)")
        }
        precondition(again.rendered() == written, "writing is not stable: \(written)")
        precondition(
            (try? JSONSerialization.jsonObject(with: Data(written.utf8), options: .fragmentsAllowed)) != nil,
            "not strict JSON: \(written)")
    }

    static func config(_ bytes: [UInt8]) {
        let outcome = EndpointConfigReader.read(text: String(decoding: bytes, as: UTF8.self), defaultName: "fuzz")
        precondition((outcome.config == nil) == outcome.issues.hasErrors, "a config must come with no errors")
        for issue in outcome.issues.all { _ = issue.description }
    }

    static func sse(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let cut = Int(first) % (bytes.count + 1)
        for dialect in [WireFormat.Dialect.openAI, .anthropic, .gemini, .cohere, .bedrock] {
            let limits = AbtopSettings.Limits(lineBytes: 4096, eventBytes: 8192, answerBytes: 8192)
            var whole = StreamDecoder(dialect: dialect, limits: limits)
            var split = StreamDecoder(dialect: dialect, limits: limits)
            // `.none` steps are bookkeeping (an event read after the end or a cut): only the rest must agree.
            let a = whole.feed(bytes).filter { $0 != .none }
            let b = (split.feed(bytes[..<cut]) + split.feed(bytes[cut...])).filter { $0 != .none }
            precondition(a == b, "splitting the bytes changed the steps")
            precondition(whole.finish() == split.finish(), "splitting the bytes changed the result")
        }
    }
}

#if FUZZING
    /// libFuzzer's entry for one input (its archive's `main` may be the one linked, which calls this directly).
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        FuzzTargets.run(FuzzMain.target, data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }

    /// Under libFuzzer: SwiftPM links an executable's entry as `main`, so libFuzzer's own `main` is not used; the
    /// entry hands control to libFuzzer's driver (found with `dlsym`, since Swift cannot declare it directly).
    @main
    enum FuzzMain {
        static let target = ProcessInfo.processInfo.environment["ABTOP_FUZZ_TARGET"] ?? "json"

        typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
        typealias RunDriver =
            @convention(c) (
                UnsafeMutablePointer<CInt>,
                UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                TestOneInput
            ) -> CInt

        static func main() {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "LLVMFuzzerRunDriver") else {
                fatalError("libFuzzer is not linked: build with -sanitize=fuzzer")
            }
            let driver = unsafeBitCast(symbol, to: RunDriver.self)
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            exit(driver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
        }
    }
#else
    /// Without libFuzzer: replays files (a corpus, a crash found later) through a target, so the plain build checks
    /// the targets compile and a crash file can be rerun under the debugger: `ABFuzz json FILE…`.
    @main
    enum FuzzMain {
        static func main() throws {
            let args = CommandLine.arguments.dropFirst()
            guard let target = args.first else {
                print("usage: ABFuzz json|config|sse FILE_OR_DIR…")
                return
            }
            var count = 0
            for path in args.dropFirst() {
                var isDirectory: ObjCBool = false
                FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                let files =
                    isDirectory.boolValue
                    ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { path + "/" + $0 }
                    : [path]
                for file in files {
                    FuzzTargets.run(target, Array(try Data(contentsOf: URL(fileURLWithPath: file))))
                    count += 1
                }
            }
            print("\(target): \(count) inputs replayed, no failure")
        }
    }
#endif
