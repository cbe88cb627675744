import ABCore
import ABEngine
import ABProviders
import ABReport
import ABStore
import ABTUI
import ArgumentParser
import Foundation
import Synchronization

/// `abtop run CONFIG`: sends prompts through the weighted router to the real providers and measures them.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Route prompts through the endpoint's split to the real providers and compare them.",
        discussion: """
            Opens the live dashboard; with --headless, prints a per-entity summary (or JSON with --json) when the \
            run ends instead. Ctrl-C stops sending and prints the summary of what finished.

            Exit codes: 0 ran; 1 config, secret or prompt-file error; 2 usage (or no terminal for the dashboard).
            """
    )

    @Argument(help: "The endpoint config (Databricks create payload or bare config).")
    var config: String

    @Flag(help: "No dashboard: print a summary at the end.")
    var headless = false

    @Flag(help: "Print the summary as JSON (with --headless).")
    var json = false

    @Option(help: "Prompts: .txt (one a line), .jsonl ({\"prompt\"} or {\"messages\"}), or .csv (a prompt column).")
    var prompts: String?

    @Option(help: "split: one entity per prompt by weight; compare: every entity gets every prompt.")
    var mode: RunMode = .split

    @Option(
        help: """
            Send each prompt N times, independently (each a request of its own, in the shuffled order), and report \
            how alike each entity's answers to the same prompt are.
            """)
    var `repeat`: Int = 1

    @Option(
        help: """
            Send the prompts journaled session ID sent, through this config, in the order it sent them (with \
            --prompts, the file's lines of the same ids, with their system prompts, tools and checks).
            """)
    var replay: Int64?

    @Flag(help: "With --replay and --headless: at the pace the session sent them (each at its offset from the start).")
    var replayPace = false

    @Option(help: "Open loop: prompts per second (Poisson arrivals).")
    var rate: Double?

    @Option(help: "Closed loop: prompts in flight (default 8).")
    var concurrency: Int?

    @Option(
        name: [.customLong("requests"), .customLong("max-requests")],
        help: "Stop after N prompts (default 100 unless --duration is given; 10000 with --until-decided).")
    var requests: Int?

    @Option(name: [.customLong("duration"), .customLong("max-duration")], help: "Stop after S seconds.")
    var duration: Double?

    @Flag(
        help: """
            Stop as soon as every primary comparison (error rate and p50 latency; their paired forms in compare \
            mode) is decided or shown to be within its margin, or when --max-requests / --max-duration runs out.
            """)
    var untilDecided = false

    @Option(
        help: """
            With --until-decided: the comparisons that must be decided (repeat or comma-separate): errors, latency, \
            p95, ttft, ttft-p95, cost, checks (default: errors and latency, the primary ones).
            """)
    var decide: [String] = []

    /// `--decide`'s metrics, in both forms (a split run's and compare mode's paired one); nil: the primary ones.
    var decideMetrics: Set<Verdict.Metric>? {
        get throws {
            let names = decide.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            guard !names.isEmpty else { return nil }
            var out: Set<Verdict.Metric> = []
            for name in names {
                switch name {
                case "errors", "error", "error-rate": out.formUnion([.errorRate, .errorRatePaired])
                case "latency", "p50": out.formUnion([.latencyE2EP50, .latencyE2EPaired])
                case "p95": out.insert(.latencyE2EP95)
                case "ttft": out.formUnion([.ttftP50, .ttftPaired])
                case "cost": out.insert(.cost)
                case "checks": out.insert(.checkPassRate)
                case "ttft-p95": out.insert(.ttftP95)
                default:
                    throw ValidationError(
                        "--decide takes errors, latency, p95, ttft, ttft-p95, cost or checks; found \(name)")
                }
            }
            return out
        }
    }

    @Option(
        help: "Progress lines on stderr while --headless runs: text (one line a second, and one at the end) or jsonl.")
    var progress: ProgressFormat = .text

    @Option(help: "Write the progress lines to PATH instead of stderr.")
    var progressFile: String?

    @OptionGroup var analysis: AnalysisOptions

    @Option(help: "Seed for the router, jitter and arrivals (default: the config's, else random).")
    var seed: UInt64?

    @OptionGroup var configFile: ConfigFileOptions

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    @OptionGroup var dashboard: DashboardOptions

    @Option(help: "Also write a report of this run to PATH at the end (\(ReportFormat.pathHelp)).")
    var report: String?

    @OptionGroup var storage: StoreOptions

    func validate() throws {
        if rate != nil && concurrency != nil { throw ValidationError("give --rate or --concurrency, not both") }
        guard (1...100).contains(`repeat`) else {
            throw ValidationError("--repeat must be a whole number from 1 to 100")
        }
        if let rate, rate.finite(in: 0.001...10_000) == nil {
            throw ValidationError("--rate must be a number from 0.001 to 10000 (per second)")
        }
        if let concurrency, !(1...10_000).contains(concurrency) {
            throw ValidationError("--concurrency must be 1…10000")
        }
        if let requests, requests < 1 { throw ValidationError("--requests must be at least 1") }
        if let duration, duration.finite(in: 0.001...31_536_000) == nil {
            throw ValidationError("--duration must be a number of seconds above 0 (at most a year)")
        }
        if json && !headless { throw ValidationError("--json needs --headless") }
        if untilDecided && !headless { throw ValidationError("--until-decided needs --headless") }
        if !decide.isEmpty && !untilDecided { throw ValidationError("--decide says what --until-decided waits for") }
        _ = try decideMetrics
        if (progress == .jsonl || progressFile != nil) && !headless {
            throw ValidationError("--progress jsonl and --progress-file need --headless")
        }
        if quiet && (progress == .jsonl || progressFile != nil) {
            throw ValidationError("--quiet turns progress off: leave it out with --progress jsonl or --progress-file")
        }
    }

    /// How `--headless` reports progress.
    enum ProgressFormat: String, ExpressibleByArgument, CaseIterable {
        case text
        case jsonl
    }

    func run() async throws {
        if !headless, let problem = Dashboard.terminalProblem {
            Console.err("abtop: \(problem)")
            throw ExitCode(2)
        }
        var prepared = try RunSetup.prepare(
            config: config, name: configFile.name, secretsPath: configFile.secrets, promptsPath: prompts,
            repeat: `repeat`)
        var replayed: Replay.Plan?
        if let replay {
            let plan = try Replay.load(
                journal: try storage.openForReading(.sessions([replay])), label: storage.label, session: replay,
                file: prompts == nil ? nil : prepared.prompts)
            replayed = plan
            prepared.prompts =
                `repeat` > 1 ? plan.prompts.flatMap { Array(repeating: $0, count: `repeat`) } : plan.prompts
        }
        let seed = seed ?? prepared.config.settings.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        // A live dashboard can switch to compare mode (c): its family holds the paired comparisons too.
        var settings = analysis.settings(
            streaming: prepared.config.settings.request.stream && prepared.config.endpointTask != .embeddings,
            paired: mode == .compare || !headless)
        // Prompts that say what their answer must be: the arms' pass rates are compared too.
        settings.checks = prepared.prompts.contains { $0.expect != nil }
        if !settings.checks, try decideMetrics?.contains(.checkPassRate) == true {
            Console.err("abtop: --decide checks needs prompts with \"expect\" (none of these has one)")
            throw ExitCode(2)
        }
        let host = try SessionHost(
            .init(
                config: prepared.config, configText: prepared.configText,
                resolved: prepared.resolved, mode: mode, seed: seed, journal: storage.open(), analysis: settings,
                consistency: true, inOrder: replay != nil))
        if headless, mode == .split, prepared.config.settings.judge != nil {
            Console.err("abtop: the judge reads compare mode's answers (--mode compare): this run sends it nothing")
        }
        var stop: RunSummary.StopReason?
        if headless {
            stop = try await runHeadless(
                host, prompts: prepared.prompts, schedule: replayPace ? replayed?.offsets : nil,
                replayed: replayed.map { _ in prepared.prompts.count })
        } else {
            // Live: an open loop at --rate (default 2/s) unless --concurrency is given; no limit unless asked.
            let shape: LoadShape = concurrency.map { .closed(concurrency: $0) } ?? .open(rate: rate ?? 2)
            await LiveRun.run(
                host, prompts: prepared.prompts, shape: shape,
                limits: LoadLimits(requests: requests, duration: duration), dashboard: dashboard)
        }
        await host.settleJudge()
        try host.finish(json: json, report: report, storePath: storage.path, stop: stop)
    }

    /// No dashboard: a closed loop of 8 (or --rate) until the limits (or, with --until-decided, until every
    /// primary comparison is decided), a progress line a second and one at the end. Returns why it stopped when it had that goal.
    /// `schedule`: each prompt's offset (a replay at its original pace); `replayed`: a replay's prompt count, its
    /// default length.
    private func runHeadless(
        _ host: SessionHost, prompts: [PromptItem], schedule: [Double]? = nil, replayed: Int? = nil
    ) async throws -> RunSummary.StopReason? {
        let control = LoadControl()
        let shape: LoadShape =
            schedule.map { .schedule(offsets: $0) } ?? rate.map { .open(rate: $0) }
            ?? .closed(concurrency: concurrency ?? 8)
        let defaultRequests = untilDecided ? 10_000 : (replayed ?? 100)
        let limits = LoadLimits(requests: requests ?? (duration == nil ? defaultRequests : nil), duration: duration)
        let interrupted = OnceFlag()
        let interrupt = SignalWatcher(signals: [SIGINT, SIGTERM, SIGHUP]) {
            interrupted.set()
            control.stop()
        }
        let sink = try ProgressSink(path: progressFile)
        let mode = mode
        let (untilDecided, jsonl, quiet) = (untilDecided, progress == .jsonl, quiet)
        let required = try decideMetrics
        let decided = OnceFlag()
        // One progress line: a snapshot, then a flush, so every request a line counts is in the journal before it
        // prints.
        let writeProgress: @Sendable () -> Void = {
            let snapshot = host.session.snapshot()
            host.recording?.writer.flushNow()
            let result = jsonl || untilDecided ? host.analysis.refresh() : nil
            if !quiet {
                if let result, jsonl {
                    sink.write(
                        VerdictJSON.progress(
                            snapshot: snapshot, verdicts: result.verdicts, srm: result.srm,
                            familySize: result.familySize, alpha: host.session.analysisSettings.alpha, mode: mode
                        ).rendered())
                } else {
                    // With a goal, the line names what is still open and roughly how far it is.
                    let pending =
                        untilDecided
                        ? VerdictAnalysis.pending(result?.verdicts ?? [], mode: mode, required: required) : []
                    sink.write(RunSetup.progressLine(snapshot) + RunSetup.pendingClause(pending))
                }
            }
            if untilDecided, let result, VerdictAnalysis.primaryDone(result.verdicts, mode: mode, required: required) {
                decided.set()
                control.stop()
            }
        }
        let watcher = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                if Task.isCancelled { break }
                writeProgress()
            }
        }
        await host.load(prompts, shape: shape, limits: limits, control: control)
        watcher.cancel()
        await watcher.value
        // And a last one when the load ends, so even a run shorter than a second says where it ended.
        writeProgress()
        interrupt.cancel()
        guard untilDecided else { return nil }
        // (The last progress line judged the finished run.)
        if decided.isSet { return .decided }
        if interrupted.isSet { return .interrupted }
        guard let maxDuration = limits.duration else { return .maxRequests }
        guard limits.requests != nil else { return .maxDuration }
        return host.session.now() >= maxDuration - 0.1 ? .maxDuration : .maxRequests
    }
}
