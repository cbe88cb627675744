import ABCore
import ABReport
import ABStore
import ABEngine
import ABTUI
import Foundation
import Synchronization

/// Connects the dashboard to a running session: frames from the session, commands to the engine and the load.
final class LiveModel: DashboardModel {
    let engine: Engine
    let control: LoadControl
    let baseRate: Double?
    let recording: JournalRecording?
    private let state = Mutex(State())
    private let typed = Atomic<Int>(0)

    private struct State {
        var votes: [Vote] = []
        var verdicts: [Verdict] = []
        var srm: [SRMResult] = []
        var analysedAt = -1.0
        var status: String?
    }

    init(engine: Engine, control: LoadControl, rate: Double?, recording: JournalRecording?) {
        self.engine = engine
        self.control = control
        self.baseRate = rate
        self.recording = recording
    }

    var session: Session { engine.session }

    /// The status bar's alarm while the journal cannot write: it outranks any other status line.
    static func journalAlarm(_ status: JournalWriter.Status?) -> String? {
        guard let status, status.failed || status.error != nil && status.written < status.handedIn - 500 else { return nil }
        let state = status.failed ? "FAILED, \(status.lost) requests lost" : "retrying"
        return "⚠ journal writes \(state): \(String((status.error ?? "").prefix(80)))"
    }

    func frame() -> DashboardFrame {
        let session = self.session
        let snapshot = session.snapshot()
        // The rank tests sort every sample: once a second is plenty for a verdict line.
        let (verdicts, srm, votes, status) = state.withLock { s in
            if snapshot.time - s.analysedAt >= 1 {
                s.verdicts = session.verdicts()
                s.srm = session.srm()
                s.analysedAt = snapshot.time
            }
            return (s.verdicts, s.srm, s.votes, s.status)
        }
        let now = session.now()
        let breakers = engine.routing.breakerStates.map { state -> String? in
            switch state {
            case .closed: nil
            case .open(let until): until > now ? "cooling \(Int((until - now).rounded(.up)))s" : "probe due"
            case .halfOpen: "probing"
            }
        }
        var frame = DashboardFrame(endpoint: session.endpoint.name, mode: session.mode.rawValue, snapshot: snapshot,
                                   verdicts: verdicts, srm: srm, events: session.events,
                                   records: session.recentRecords, votes: votes, paused: control.paused,
                                   rate: control.rate ?? baseRate,
                                   status: Self.journalAlarm(recording?.writer.status) ?? status)
        frame.breakerLabels = breakers
        return frame
    }

    func perform(_ command: DashboardCommand) {
        switch command {
        case .setWeights(let weights):
            engine.setWeights(weights)
            recording?.epoch(engine.routing.epoch)
        case .setPaused(let paused):
            control.paused = paused
        case .scaleRate(let factor):
            if let rate = control.rate ?? baseRate {
                control.rate = min(1_000, max(0.1, rate * factor))
            } else {
                note("the rate keys work with an open loop (--rate); this run keeps a fixed number in flight")
            }
        case .setCompareMode(let compare):
            session.mode = compare ? .compare : .split
            note(compare ? "compare mode: every prompt goes to every entity; vote blind with 1 / 2 / t / b"
                         : "split mode: each prompt goes to one entity by weight")
        case .vote(let vote):
            state.withLock { $0.votes.append(vote) }
            recording?.vote(vote, at: session.now())
        case .submitPrompt(let text):
            let n = typed.add(1, ordering: .relaxed).newValue
            let engine = self.engine
            Task { await engine.send(PromptItem(id: "typed-\(n)", prompt: text)) }
        case .nextEndpoint:
            break  // one session: nothing to switch to (abtop serve handles it)
        case .export:
            guard let recording else {
                note("no journal for this run (--no-store): nothing to export")
                return
            }
            let path = FileManager.default.currentDirectoryPath + "/abtop-session-\(recording.sessionID).md"
            do {
                try ReportBuilder.write(recording, to: path)
                note("report written to \(path)")
            } catch {
                note("export failed: \(error)")
            }
        }
    }

    private func note(_ text: String) {
        state.withLock { $0.status = text }
    }
}
