import ABCore
import ABEngine
import ABReport
import ABStore
import ArgumentParser
import Foundation

extension RunMode: ExpressibleByArgument {}

/// Builds and tears down one session, the same way for `run`, `demo` and `serve`: the clock's origin, the journal
/// recording, the session with its observers, the transport, the engine and the live analysis; then the load,
/// and at the end the summary and the journal's status. A new subscriber or a new kind of verdict is added here
/// once, not in each command.
final class SessionHost: Sendable {
    let session: Session
    let engine: Engine
    let recording: JournalRecording?
    /// Verdicts as they stand, recomputed off the dashboard's thread.
    let analysis: SessionAnalysis
    let seed: UInt64
    /// Whether `close` shuts the transport down (serve shares one transport between endpoints).
    private let ownsTransport: Bool
    /// The config's resolved keys, registered with the redactor until the session closes.
    private let secrets: SecretRedactor.Lease
    /// How alike the answers to repeated prompts are, when the plan asked for it.
    let consistency: ConsistencyObserver?
    /// The LLM judge (`abtop.judge`), on an engine and session of its own; nil without one.
    let judge: JudgeRunner?
    /// Guarded rollouts of this endpoint (serve); nil where none can run.
    let rollout: RolloutController?
    private let inOrder: Bool

    /// What a session is built from.
    struct Plan {
        var config: EndpointConfig
        /// The config as the user wrote it, for the journal (secrets redacted there).
        var configText: String
        /// The served entities, then the judge when the config has one (`EndpointConfig.resolve`).
        var resolved: [ResolvedEntity]
        var mode: RunMode
        var seed: UInt64
        var journal: Journal?
        /// Subscribers beside the journal (serve's `/metrics`).
        var observers: [any SessionObserver] = []
        /// A transport to share; nil builds one that this host owns.
        var transport: (any Transport)?
        /// How the verdicts are tested; nil: the defaults for this config and mode.
        var analysis: VerdictAnalysis.Settings?
        /// Tally how alike the answers to repeated prompts are (run and demo; not serve).
        var consistency = false
        /// Send the prompts as listed instead of in a fresh random order each pass (a replay).
        var inOrder = false
        /// Guarded rollouts can run on this endpoint (serve).
        var rollouts = false
        /// When the session began on the monotonic clock (default: now); the fleet's view begins where the first
        /// replica session it holds began.
        var origin: UInt64?
    }

    /// Throws `SecretRedactor.TableFull` when the config's keys cannot be registered for redaction.
    init(_ plan: Plan) throws {
        secrets = try plan.resolved.holdSecrets()
        let origin = plan.origin ?? Monotonic.now()
        recording = JournalRecording.begin(
            plan.journal, endpoint: plan.config, mode: plan.mode,
            configText: plan.configText, seed: plan.seed, origin: origin)
        inOrder = plan.inOrder
        consistency = plan.consistency ? ConsistencyObserver(names: plan.config.servedEntities.map(\.name)) : nil
        let transport = plan.transport ?? CurlTransport()
        if let judging = plan.config.judging(), let settings = plan.config.settings.judge,
            plan.resolved.count == judging.servedEntities.count
        {
            // The judge's calls are counted by a session of their own, never the arms'.
            let side = Session(endpoint: judging, mode: .split, origin: origin)
            judge = JudgeRunner(
                settings: settings,
                engine: Engine(session: side, resolved: plan.resolved, transport: transport, seed: plan.seed ^ 0x1D6E),
                seed: plan.seed)
        } else {
            judge = nil
        }
        rollout = plan.rollouts ? RolloutController() : nil
        session = Session(
            endpoint: plan.config, mode: plan.mode,
            observers: (recording.map { [$0] } ?? []) + (consistency.map { [$0] } ?? []) + (judge.map { [$0] } ?? [])
                + (rollout.map { [$0] } ?? []) + plan.observers,
            origin: origin, analysis: plan.analysis)
        judge?.attach(session)
        ownsTransport = plan.transport == nil
        engine = Engine(
            session: session, resolved: Array(plan.resolved.prefix(plan.config.servedEntities.count)),
            transport: transport, seed: plan.seed)
        analysis = SessionAnalysis(session: session)
        seed = plan.seed
        rollout?.attach(engine: engine, analysis: analysis)
        let settings = plan.config.settings
        if settings.strategy.isAdaptive {
            session.note(
                EngineEvent(
                    time: 0, entity: nil, kind: .split, message: RoutingStrategy.adaptiveNote(floor: settings.floor)))
        }
    }

    /// Offers prompts in `shape` until `limits` or `control.stop()`.
    func load(_ prompts: [PromptItem], shape: LoadShape, limits: LoadLimits, control: LoadControl) async {
        await LoadGenerator.run(
            engine: engine, prompts: prompts, shape: shape, limits: limits, control: control,
            seed: seed, inOrder: inOrder)
    }

    /// Waits for the judge's pairs queued and in flight (by default at most twice the total timeout and a margin,
    /// five minutes at most); what is still unjudged then is recorded as such. Call before `close`.
    func settleJudge(within seconds: Double? = nil, quietly: Bool = false) async {
        guard let judge else { return }
        // A run's user may not want to wait: Ctrl-C stops the wait (what is unjudged is recorded so). Serve
        // (quietly) keeps its own signal handling.
        var watcher: SignalWatcher?
        if !quietly, judge.pending > 0 {
            Console.err(
                "abtop: waiting for the judge (\(judge.pending) pair\(judge.pending == 1 ? "" : "s"); Ctrl-C stops waiting)"
            )
            watcher = SignalWatcher(signals: [SIGINT, SIGTERM, SIGHUP]) { judge.cutShort() }
        }
        await judge.finish(within: seconds ?? min(300, 2 * session.endpoint.settings.timeouts.total + 5))
        watcher?.cancel()
    }

    /// Ends the session: stops the analysis, the transport (what is in flight ends as cancelled) and the journal.
    /// Returns the journal's final status (nil without one). Call once the load has stopped.
    @discardableResult
    func close() -> JournalWriter.Status? {
        rollout?.stop()
        analysis.stop()
        if ownsTransport { engine.transport.shutdown() }
        session.end()
        secrets.release()
        return recording?.status
    }

    /// The summary of the session so far, from the numbers the dashboard and reports read (votes included).
    func summary(label: String? = nil) -> RunSummary {
        let result = analysis.refresh()
        var summary = RunSummary(
            endpoint: session.endpoint.name, mode: label ?? session.mode.rawValue,
            duration: session.now(), seed: seed, snapshot: session.snapshot(), verdicts: result.verdicts,
            srm: result.srm, votes: session.votes)
        summary.familySize = result.familySize
        summary.alpha = session.analysisSettings.alpha
        summary.task = session.endpoint.endpointTask
        summary.consistency = consistency?.figures ?? []
        let feedback = session.feedbackTally
        summary.feedback = feedback.metrics.isEmpty ? nil : feedback
        summary.judgements = session.judgements
        summary.judgeModel = session.endpoint.settings.judge?.entity.model ?? "judge"
        return summary
    }

    /// Ends the session and says how it went: the summary on stdout (text, or JSON), the report if one was
    /// asked for, and exit code 1 if the journal lost rows (after the summary, so nothing is hidden).
    func finish(
        json: Bool = false, label: String? = nil, report: String?, storePath: String,
        stop: RunSummary.StopReason? = nil
    ) throws {
        let status = close()
        var summary = summary(label: label)
        summary.stop = stop
        Console.out(json ? summary.json().rendered(pretty: true) : summary.text())
        if !json, let recording {
            // Where the session is kept, and how to get its report: the next thing a user wants after a run.
            Console.out(
                "journal: session \(recording.sessionID) in \(storePath) · "
                    + "abtop report \(recording.sessionID) --store \(storePath) -o report-\(recording.sessionID).html")
        }
        try RunSetup.failIfJournalLost(status, path: storePath)
        try writeReport(to: report, live: summary)
    }

    /// `--report PATH`: the report of the session just recorded, in the format its extension names.
    func writeReport(to path: String?, live: RunSummary? = nil) throws {
        guard let path else { return }
        guard let recording else {
            Console.err("abtop: --report needs the journal (it is built from it); this run kept none")
            throw ExitCode(1)
        }
        try ReportBuilder.write(recording, to: path, live: live)
        Console.err("abtop: report written to \(path)")
    }
}
