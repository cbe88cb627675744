import ABCore
import ABProviders
import ABReport
import Foundation

/// The coverage-guided fuzz targets (libFuzzer, `make fuzz`; `make test` runs each for a fixed budget).
///
/// Each target parses hostile bytes and checks a property a broken parser would fail, beyond "does not crash":
/// - `json`: what abtop writes of a parsed document parses again to the same writing (canonical JSON out);
/// - `config`: the config reader answers every input with a config or with errors, never both, never a trap;
/// - `sse`: the SSE and AWS event-stream parsers and every dialect's stream decoder give the same result however
///   the bytes are split;
/// - `journal`: a tampered journal row (every column's type and value from the bytes) gives a record whose values
///   are in range, or none, and the numbers a report is made of are computed and written without a trap;
/// - `secrets`: a secrets file read from the bytes, with a credential planted wherever the bytes hold 0x01: no
///   error ever quotes any four bytes of it;
/// - `fleet`: a fleet batch as anyone who can write the fleet's Redis might leave it: read, it is checked (or
///   refused), and what is read writes back to a batch that reads as the same.
enum FuzzTargets {
    static func run(_ target: String, _ bytes: [UInt8]) {
        switch target {
        case "json": json(bytes)
        case "config": config(bytes)
        case "sse": sse(bytes)
        case "journal": journal(bytes)
        case "secrets": secrets(bytes)
        case "fleet": fleet(bytes)
        default: fatalError("unknown fuzz target \(target): json, config, sse, journal, secrets, fleet")
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

    static let journalColumns = [
        "entity", "arm", "epoch", "is_fallback", "retries", "start_ns", "first_byte_ns", "first_token_ns", "end_ns",
        "streamed", "status", "error_kind", "tokens_in", "tokens_out", "tokens_estimated", "cost_usd",
        "counts_toward_split", "issue", "repeats_session", "check_passed", "prompt_id", "prompt_text", "output_text",
        "finish_reason", "error_message", "group_id", "check_reason",
    ]

    static func journal(_ bytes: [UInt8]) {
        var input = bytes[...]
        func take(_ n: Int) -> [UInt8] {
            defer { input = input.dropFirst(n) }
            return Array(input.prefix(n)) + [UInt8](repeating: 0, count: max(0, n - input.count))
        }
        func word() -> UInt64 { take(8).reduce(0) { $0 << 8 | UInt64($1) } }
        var records: [RequestRecord] = []
        while !input.isEmpty, records.count < 4 {
            var columns: [String: StoredRow.Value] = [:]
            for name in journalColumns {
                guard let tag = input.first else { break }
                input = input.dropFirst()
                switch tag % 6 {
                case 0: columns[name] = .null
                case 1: columns[name] = .integer(Int64(bitPattern: word()))
                case 2: columns[name] = .real(Double(bitPattern: word()))
                case 3: columns[name] = .text(String(decoding: take(Int(tag >> 3)), as: UTF8.self))
                case 4: columns[name] = .integer(Int64(tag >> 3))  // small numbers, the ones that pass the checks
                default: columns[name] = .blob
                }
            }
            guard let r = RequestRecord(stored: StoredRow(columns), entities: 2, epochs: [0, 1]) else { continue }
            let o = r.outcome
            precondition((0..<2).contains(o.entity) && (0..<2).contains(o.arm) && [0, 1].contains(o.epoch))
            precondition(o.timing.end >= o.timing.start, "a timing that runs backwards")
            precondition(
                [o.timing.firstByte, o.timing.firstToken].allSatisfy { t in
                    t.map { (o.timing.start...o.timing.end).contains($0) } ?? true
                })
            precondition(
                [o.usage.input, o.usage.output].allSatisfy { (0...RequestRecord.maxStoredTokens).contains($0) })
            precondition(o.costUSD.map { $0.isFinite && $0 >= 0 } ?? true)
            records.append(r)
        }
        // The numbers a report is made of, replayed as `abtop report` does, then written.
        let entities = [
            EntityInfo(name: "a", model: "m", provider: "openai"),
            EntityInfo(name: "b", model: "m", provider: "openai"),
        ]
        var stats = StatsAggregator(
            entities: entities, epoch: SplitEpoch(index: 0, weights: Weights.even(count: 2), startedAt: 0))
        stats.openEpoch(SplitEpoch(index: 1, weights: Weights.even(count: 2), startedAt: 1))
        for r in records {
            stats.assigned(entity: r.outcome.arm, epoch: r.outcome.epoch)
            stats.record(r.outcome, at: Double(r.outcome.timing.end) / 1e9)
            _ = Format.count(r.outcome.usage.output) + Format.dollars(r.outcome.costUSD)
        }
        let snapshot = stats.snapshot(at: 10)
        _ = ReportTables.entities(for: .chat).markdown(snapshot.entities)
        _ = stats.verdicts(settings: VerdictAnalysis.Settings(streaming: true, paired: false))
    }

    static func fleet(_ bytes: [UInt8]) {
        let entities = 1 + Int(bytes.first ?? 0) % 4
        guard let (batch, _) = FleetBatch.decode(String(decoding: bytes.dropFirst(), as: UTF8.self), entities: entities)
        else { return }
        for r in batch.finished {
            precondition((0..<entities).contains(r.outcome.entity) && r.outcome.timing.end >= r.outcome.timing.start)
        }
        let written = batch.json(originStamp: 0)
        guard let (again, leftOut) = FleetBatch.decode(written, entities: entities) else {
            fatalError("a batch read back does not read when written: \(written)")
        }
        precondition(leftOut == 0 && again == batch, "a batch read back reads differently when written: \(written)")
    }

    /// What is planted where the input holds 0x01: a credential with a dash and digits, as keys have them.
    static let plantedSecret = "Zq9xKEYv7w-4242qJx8"

    static func secrets(_ bytes: [UInt8]) {
        var text: [UInt8] = []
        for b in bytes { if b == 0x01 { text += Array(plantedSecret.utf8) } else { text.append(b) } }
        guard case .failure(let issues) = SecretsFile.parse(String(decoding: text, as: UTF8.self), path: "s.json")
        else { return }
        // Keys are names and may be shown in a path; every message must say what is wrong without quoting.
        let secret = Array(plantedSecret.utf8)
        for issue in issues.all {
            let message = Array(issue.message.utf8) + Array((issue.fix ?? "").utf8)
            for start in 0...(secret.count - 4) {
                let window = secret[start..<(start + 4)]
                precondition(
                    message.firstRange(of: window) == nil,
                    "a secrets-file error quotes the credential: \(issue.message)")
            }
        }
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
