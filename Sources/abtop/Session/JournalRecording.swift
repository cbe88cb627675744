import ABCore
import ABEngine
import ABReport
import ABStore
import Foundation

/// A session's journal while it runs, subscribed to the session's events: finished requests, epochs and votes go
/// to the writer's buffer (its thread writes them, in order; the session never waits on SQLite), the end closes it.
final class JournalRecording: SessionObserver {
    let journal: Journal
    let writer: JournalWriter
    let sessionID: Int64

    /// Begins a journal session for `endpoint`; nil (with a message) if the journal refuses.
    static func begin(
        _ journal: Journal?, endpoint: EndpointConfig, mode: RunMode, configText: String, seed: UInt64,
        origin: UInt64
    ) -> JournalRecording? {
        guard let journal else { return nil }
        do {
            let id = try journal.beginSession(
                endpoint: endpoint, mode: mode.rawValue,
                redactedConfig: ConfigRedaction.redactedText(configText),
                version: Abtop.version, seed: seed)
            return JournalRecording(
                journal: journal, writer: JournalWriter(journal: journal, session: id, origin: origin),
                sessionID: id)
        } catch {
            Console.err("abtop: the journal refused the session: \(error); running without one")
            return nil
        }
    }

    init(journal: Journal, writer: JournalWriter, sessionID: Int64) {
        self.journal = journal
        self.writer = writer
        self.sessionID = sessionID
    }

    func observe(_ event: SessionEvent) {
        switch event {
        case .finished(let record): writer.record(record)
        case .epochOpened(let epoch): writer.record(epoch: epoch)
        case .voted(let vote, let at): writer.record(vote: vote, at: at)
        case .modeChanged(let mode, _): writer.record(mode: mode)
        case .feedback(let f, let at): writer.record(feedback: f, at: at)
        case .judged(let j, let at): writer.record(judgement: j, at: at)
        case .compared, .started: break
        case .rollout(let state): writer.record(rollout: state)
        case .analysed(let read): writer.record(analysis: read)
        case .ended: finish()
        }
    }

    /// Whether every request reached the file (final once the session ended).
    var status: JournalWriter.Status { writer.status }

    /// Closes the writer and ends the session (the session's `.ended` does it).
    private func finish() {
        writer.close()
        try? journal.endSession(sessionID)
    }

    /// A line for stderr when the journal lost rows, else nil: the summary on screen counts every request sent,
    /// and must not be read as what the journal holds.
    static func lossReport(_ status: JournalWriter.Status, path: String) -> String? {
        guard status.failed || status.lost > 0 else { return nil }
        return "abtop: the journal at \(path) kept \(status.written) of \(status.handedIn) requests; "
            + "\(status.lost) were lost: \(status.error ?? "unknown error")"
    }
}
