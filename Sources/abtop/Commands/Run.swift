import ABCore
import ABEngine
import ABProviders
import ABReport
import ABStore
import ArgumentParser
import Foundation

/// `abtop run CONFIG`: sends prompts through the weighted router to the real providers and measures them.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Route prompts through the endpoint's split to the real providers and compare them.",
        discussion: """
            Opens the live dashboard; with --headless, prints a per-entity summary (or JSON with --json) when the
            run ends instead. Ctrl-C stops sending and prints the summary of what finished.
            Exit codes: 0 ran; 1 config, secret or prompt-file error; 2 usage.
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

    @Option(help: "Open loop: prompts per second (Poisson arrivals).")
    var rate: Double?

    @Option(help: "Closed loop: prompts in flight (default 8).")
    var concurrency: Int?

    @Option(help: "Stop after N prompts (default 100 unless --duration is given).")
    var requests: Int?

    @Option(help: "Stop after S seconds.")
    var duration: Double?

    @Option(help: "Seed for the router, jitter and arrivals (default: the config's, else random).")
    var seed: UInt64?

    @Option(help: "A JSON file of secrets: {\"scope/key\": \"value\"}.")
    var secrets: String?

    @Option(help: "The endpoint name for a bare config (default: the file name).")
    var name: String?

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    @OptionGroup var dashboard: DashboardOptions

    @Option(help: "Also write a report of this run to PATH at the end (.md, .html, .json or .csv).")
    var report: String?

    @OptionGroup var storage: StoreOptions

    func validate() throws {
        if rate != nil && concurrency != nil { throw ValidationError("give --rate or --concurrency, not both") }
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
    }

    func run() async throws {
        let prepared = try RunSetup.prepare(config: config, name: name, secretsPath: secrets, promptsPath: prompts)
        let seed = seed ?? prepared.config.settings.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        let host = SessionHost(
            .init(
                config: prepared.config, configText: prepared.configText,
                resolved: prepared.resolved, mode: mode, seed: seed, journal: storage.open()))
        if headless {
            await runHeadless(host, prompts: prepared.prompts)
        } else {
            // Live: an open loop at --rate (default 2/s) unless --concurrency is given; no limit unless asked.
            let shape: LoadShape = concurrency.map { .closed(concurrency: $0) } ?? .open(rate: rate ?? 2)
            await LiveRun.run(
                host, prompts: prepared.prompts, shape: shape,
                limits: LoadLimits(requests: requests, duration: duration), dashboard: dashboard)
        }
        try host.finish(json: json, report: report, storePath: storage.path)
    }

    /// No dashboard: a closed loop of 8 (or --rate) until the limits, a progress line a second on stderr.
    private func runHeadless(_ host: SessionHost, prompts: [PromptItem]) async {
        let control = LoadControl()
        let shape: LoadShape = rate.map { .open(rate: $0) } ?? .closed(concurrency: concurrency ?? 8)
        let limits = LoadLimits(requests: requests ?? (duration == nil ? 100 : nil), duration: duration)
        let interrupt = SignalWatcher(signals: [SIGINT, SIGTERM, SIGHUP]) { control.stop() }
        let progress =
            quiet
            ? nil
            : Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    if Task.isCancelled { break }
                    // Snapshot, then flush: every request a progress line counts is in the journal before it prints.
                    let snapshot = host.session.snapshot()
                    host.recording?.writer.flushNow()
                    Console.err(RunSetup.progressLine(snapshot))
                }
            }
        await host.load(prompts, shape: shape, limits: limits, control: control)
        progress?.cancel()
        interrupt.cancel()
    }
}

/// Loading what a run needs, with every problem reported before anything is sent.
enum RunSetup {
    struct Prepared {
        let config: EndpointConfig
        let configText: String
        let resolved: [ResolvedEntity]
        let prompts: [PromptItem]
    }

    static func prepare(
        config path: String, name: String?, secretsPath: String?,
        promptsPath: String?
    ) throws -> Prepared {
        let loaded: EndpointLoader.Loaded
        do {
            loaded = try EndpointLoader().load(path: path, name: name, secretsPath: secretsPath)
        } catch let error as EndpointLoader.InputError {
            Console.err(error.description)
            throw ExitCode(1)
        }
        var issues = loaded.outcome.issues
        issues.append(contentsOf: EndpointConfig.credentialIssues(loaded.resolved, severity: .error))
        guard let config = loaded.outcome.config, !issues.hasErrors else {
            for issue in issues.errors { Console.err(issue.description) }
            Console.err(
                "\n\(path): \(issues.errors.count) error\(issues.errors.count == 1 ? "" : "s"); nothing was sent")
            throw ExitCode(1)
        }
        var prompts = SamplePrompts.items
        if let promptsPath {
            do {
                prompts = try PromptFile.load(promptsPath)
            } catch {
                Console.err(error.description)
                throw ExitCode(1)
            }
        }
        return Prepared(config: config, configText: loaded.text, resolved: loaded.resolved, prompts: prompts)
    }

    /// After the summary: if the journal lost rows, says so on stderr (with how many it kept) and exits 1, so a
    /// script never takes a run whose journal is short for a complete one.
    static func failIfJournalLost(_ status: JournalWriter.Status?, path: String) throws {
        guard let status, let line = JournalRecording.lossReport(status, path: path) else { return }
        Console.err(line)
        throw ExitCode(1)
    }

    static func progressLine(_ s: Snapshot) -> String {
        "[\(Format.fixed(s.time, 1)) s] " + progressCounts(s)
    }

    /// "N requests (R/s), E errors, F in flight".
    static func progressCounts(_ s: Snapshot) -> String {
        let errors = s.entities.reduce(0) { $0 + $1.errorCount }
        let notSent = s.entities.reduce(0) { $0 + $1.notSent }
        return
            "\(s.totalRequests) requests (\(Format.fixed(s.requestsPerSecond, 1))/s), "
            + "\(errors) errors, \(s.inFlight) in flight"
            + (notSent > 0 ? ", \(notSent) not sent (breaker open)" : "")
    }
}

/// Runs `handler` (once) when one of `signals` arrives, instead of the default of dying.
final class SignalWatcher {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable () -> Void) {
        sources = signals.map { signo in
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
