import ABCore
import ABEngine
import ABReport
import ABStore
import ArgumentParser
import Foundation

/// Builds a report from the journal: the numbers replayed through the aggregator the run used.
enum ReportBuilder {
    /// `live`: the summary the run just printed, whose verdicts the report repeats word for word. A report built
    /// later from the journal repeats the run's last read as the journal kept it (with its α and family), and
    /// replays a read at the end only for a session that has none.
    static func report(_ stored: StoredSession, live: RunSummary? = nil) -> SessionReport {
        let (snapshot, verdicts, srm, familySize) = stored.replay()
        let shown = stored.analysis
        var summary = RunSummary(
            endpoint: stored.summary.endpoint, mode: stored.summary.modeAtEnd,
            duration: stored.summary.duration, seed: stored.seed ?? 0, snapshot: snapshot,
            verdicts: live?.verdicts ?? shown?.verdicts ?? verdicts, srm: live?.srm ?? shown?.srm ?? srm,
            votes: stored.votes)
        summary.familySize = live?.familySize ?? shown?.familySize ?? familySize
        summary.alpha = live?.alpha ?? shown?.settings.alpha ?? 0.05
        let facts = EndpointConfigReader.facts(text: stored.configJSON)
        summary.task = live?.task ?? facts.task
        summary.judgements = stored.judgements
        summary.judgeModel = live?.judgeModel ?? facts.judgeModel ?? "judge"
        var consistency = Consistency(names: stored.entities.map(\.name))
        for r in stored.records { consistency.add(r) }
        summary.consistency = live?.consistency ?? consistency.figures
        let formatter = ISO8601DateFormatter()
        var report = SessionReport(
            id: stored.summary.id, summary: summary, startedAt: formatter.string(from: stored.summary.startedAt),
            version: stored.version, epochs: stored.epochs, records: stored.records,
            votes: stored.votes, configJSON: stored.configJSON, leftOut: stored.leftOut)
        report.feedback = stored.feedback
        return report
    }

    /// Writes the recorded session's report to `path`, in the format its extension names. Flushes the journal's
    /// buffer first, so every finished request is in it.
    static func write(_ recording: JournalRecording, to path: String, live: RunSummary? = nil) throws {
        recording.writer.flushNow()
        guard let stored = try recording.journal.session(recording.sessionID) else { return }
        try ReportFormat(forPath: path).render(report(stored, live: live)).write(
            toFile: path, atomically: true,
            encoding: .utf8)
    }
}

extension ReportFormat: ExpressibleByArgument {}
