import ABCore
import ABEngine
import ABReport
import ABStore
import ABTUI
import Foundation
import Synchronization

/// Connects the dashboard to a running session: frames from the session (cheap: the analysis is read finished),
/// commands to the engine and the load.
final class LiveModel: DashboardModel {
    let host: SessionHost
    let control: LoadControl
    let baseRate: Double?
    private let status = Mutex(StatusNote())
    private let typed = Atomic<Int>(0)
    /// Prompts typed in the dashboard (`p`) still in flight.
    private let typedTasks = Mutex<[Task<Void, Never>]>([])

    init(host: SessionHost, control: LoadControl, rate: Double?) {
        self.host = host
        self.control = control
        self.baseRate = rate
    }

    var session: Session { host.session }
    var engine: Engine { host.engine }

    /// The status bar's alarm while the journal cannot write: it outranks any other status line.
    static func journalAlarm(_ status: JournalWriter.Status?) -> String? {
        guard let status, status.failed || status.error != nil && status.written < status.handedIn - 500 else {
            return nil
        }
        let state = status.failed ? "FAILED, \(status.lost) requests lost" : "retrying"
        return "⚠ journal writes \(state): \(String((status.error ?? "").prefix(80)))"
    }

    func frame() -> DashboardFrame {
        let session = self.session
        let analysis = host.analysis.result
        let now = session.now()
        let breakers = engine.routing.breakerStates.map { state -> String? in
            switch state {
            case .closed: nil
            case .open(let until): until > now ? "cooling \(Int((until - now).rounded(.up)))s" : "probe due"
            case .halfOpen: "probing"
            }
        }
        var frame = DashboardFrame(
            endpoint: session.endpoint.name, mode: session.mode, snapshot: session.snapshot(),
            verdicts: analysis.verdicts, srm: analysis.srm, events: session.events,
            records: session.recentRecords, votes: session.votes, paused: control.paused,
            rate: control.rate ?? baseRate,
            status: Self.journalAlarm(host.recording?.status) ?? status.withLock { $0.current })
        frame.breakerLabels = breakers
        frame.groups = session.recentGroups
        frame.alpha = session.analysisSettings.alpha
        frame.feedback = session.feedbackTally
        frame.judgements = session.judgements
        frame.judgeModel = session.endpoint.settings.judge?.entity.model ?? "judge"
        let settings = session.endpoint.settings
        if settings.strategy.isAdaptive { frame.adaptive = RoutingStrategy.adaptiveNote(floor: settings.floor) }
        if let rollout = host.rollout?.current {
            frame.rollout = (rollout.line(now: Date().timeIntervalSince1970), rollout.phase)
        }
        frame.task = session.endpoint.endpointTask
        return frame
    }

    func perform(_ command: DashboardCommand) {
        switch command {
        case .setWeights(let weights):
            engine.setWeights(weights)
        case .setPaused(let paused):
            control.paused = paused
        case .scaleRate(let factor):
            if let rate = control.rate ?? baseRate {
                control.rate = min(1_000, max(0.1, rate * factor))
            } else {
                note("the rate keys work with an open loop (--rate); this run keeps a fixed number in flight")
            }
        case .setCompareMode(let compare):
            session.switchMode(to: compare ? .compare : .split)
            note(
                compare
                    ? "compare mode: every prompt goes to every entity; vote blind with 1 / 2 / t / b"
                    : "split mode: each prompt goes to one entity by weight")
        case .vote(let vote):
            session.vote(vote)
        case .submitPrompt(let text):
            let n = typed.add(1, ordering: .relaxed).newValue
            let engine = self.engine
            let task = Task { _ = await engine.send(PromptItem(id: "typed-\(n)", prompt: text)) }
            typedTasks.withLock { $0.append(task) }
        case .nextEndpoint:
            break  // one session: nothing to switch to (abtop serve handles it)
        case .rollout(let command):
            guard let controller = host.rollout else {
                note("rollouts run under abtop serve")
                return
            }
            do {
                let state = try controller.command(command)
                note("rollout: \(state.moves.last?.reason ?? state.phase.rawValue)")
            } catch {
                note("rollout: \(error)")
            }
        case .export:
            guard let recording = host.recording else {
                note("no journal for this run (--no-store): nothing to export")
                return
            }
            let path = FileManager.default.currentDirectoryPath + "/abtop-session-\(recording.sessionID).md"
            do {
                try ReportBuilder.write(recording, to: path, live: host.summary())
                note("report written to \(path)")
            } catch {
                note("export failed: \(error)")
            }
        }
    }

    /// Cancels the typed prompts still in flight and waits for them to be recorded.
    func cancelTypedPrompts() async {
        let tasks = typedTasks.withLock { tasks in
            defer { tasks.removeAll() }
            return tasks
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    private func note(_ text: String) {
        status.withLock { $0.set(text) }
    }
}
