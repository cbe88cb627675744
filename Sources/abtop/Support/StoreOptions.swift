import ABCore
import ABEngine
import ABReport
import ABStore
import ArgumentParser
import Foundation

/// `--store PATH` / `--no-store`: where the journal lives (DESIGN §9).
struct StoreOptions: ParsableArguments {
    @Option(help: "The journal (SQLite) to use (default: $XDG_DATA_HOME/abtop/abtop.sqlite).")
    var store: String?

    @Flag(help: "Keep no journal for this run.")
    var noStore = false

    var path: String { store ?? Journal.defaultPath(environment: ProcessInfo.processInfo.environment) }

    /// Opens the journal; a failure is reported and the run goes on without one (nothing else is lost).
    func open() -> Journal? {
        guard !noStore else { return nil }
        do {
            return try Journal(path: path)
        } catch {
            Console.err("abtop: cannot open the journal at \(path): \(error); running without one")
            return nil
        }
    }
}

/// A session's journal while it runs: the writer as the session's sink, epochs and votes, and the end.
final class JournalRecording: Sendable {
    let journal: Journal
    let writer: JournalWriter
    let sessionID: Int64

    /// Begins a journal session for `endpoint`; nil (with a message) if the journal refuses.
    static func begin(_ journal: Journal?, endpoint: EndpointConfig, mode: RunMode, configText: String, seed: UInt64,
                      origin: UInt64) -> JournalRecording? {
        guard let journal else { return nil }
        do {
            let id = try journal.beginSession(endpoint: endpoint, mode: mode.rawValue,
                                              redactedConfig: ConfigRedaction.redactedText(configText),
                                              version: Abtop.version, seed: seed)
            return JournalRecording(journal: journal, writer: JournalWriter(journal: journal, session: id, origin: origin),
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

    func epoch(_ epoch: SplitEpoch) { try? journal.recordEpoch(session: sessionID, epoch) }
    func vote(_ vote: Vote, at seconds: Double) { try? journal.recordVote(session: sessionID, vote, at: seconds) }

    /// Closes the writer and ends the session; the status says whether every request reached the file.
    @discardableResult
    func finish() -> JournalWriter.Status {
        writer.close()
        try? journal.endSession(sessionID)
        return writer.status
    }

    /// A line for stderr when the journal lost rows, else nil: the summary on screen counts every request sent,
    /// and must not be read as what the journal holds.
    static func lossReport(_ status: JournalWriter.Status, path: String) -> String? {
        guard status.failed || status.lost > 0 else { return nil }
        return "abtop: the journal at \(path) kept \(status.written) of \(status.handedIn) requests; "
            + "\(status.lost) were lost because writing failed: \(status.error ?? "unknown error")"
    }
}

/// Builds a report from the journal: the numbers replayed through the aggregator the run used.
enum ReportBuilder {
    static func report(_ stored: StoredSession) -> SessionReport {
        let (snapshot, verdicts, srm) = stored.replay()
        let summary = RunSummary(endpoint: stored.summary.endpoint, mode: stored.summary.mode,
                                 duration: stored.summary.duration, seed: stored.seed ?? 0, snapshot: snapshot,
                                 verdicts: verdicts, srm: srm)
        let formatter = ISO8601DateFormatter()
        return SessionReport(id: stored.summary.id, summary: summary, startedAt: formatter.string(from: stored.summary.startedAt),
                             version: stored.version, epochs: stored.epochs, records: stored.records,
                             votes: stored.votes, configJSON: stored.configJSON)
    }

    /// The report in `format` (md, html, json, csv).
    static func render(_ report: SessionReport, format: String) -> String {
        switch format {
        case "json": report.json().rendered(pretty: true) + "\n"
        case "csv": report.csv()
        case "html": report.html()
        default: report.markdown()
        }
    }

    /// Writes the recorded session's report to `path`, in the format its extension names. Flushes the journal's
    /// buffer first, so every finished request is in it.
    static func write(_ recording: JournalRecording, to path: String) throws {
        recording.writer.flushNow()
        guard let stored = try recording.journal.session(recording.sessionID) else { return }
        try render(report(stored), format: format(forPath: path)).write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The format a report path's extension names (md for anything unknown).
    static func format(forPath path: String) -> String {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "json": "json"
        case "csv": "csv"
        case "html", "htm": "html"
        default: "md"
        }
    }
}
