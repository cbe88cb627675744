import ABCore
import Foundation
import GRDB

/// A session as the journal kept it: enough to rebuild every number the run showed.
public struct StoredSession: Sendable {
    public struct Summary: Sendable {
        public let id: Int64
        public let endpoint: String
        /// The mode the session started in.
        public let mode: String
        /// The mode it ended in, when the dashboard switched it (`c`); nil when it never switched (or the journal
        /// is older than this record).
        public let endMode: String?
        public let startedAt: Date
        public let endedAt: Date?
        public let requests: Int
        /// Requests sent in compare mode (a split session whose dashboard switched with `c` has some).
        public let comparedRequests: Int
        /// Seconds from the start to the last finished request (or to the end, if recorded).
        public let duration: Double

        /// What the summary printed at the end named: the mode the session was in last.
        public var modeAtEnd: String { endMode ?? mode }

        /// Every mode the session ran in: "split", "compare", "split+compare" (a split session switched with `c`).
        public var modes: String {
            let other = mode == "split" ? "compare" : "split"
            let both = endMode.map { $0 != mode } == true || (mode == "split" && comparedRequests > 0)
            return both ? mode + "+" + other : mode
        }
    }

    public let summary: Summary
    public let configJSON: String
    public let version: String
    public let seed: UInt64?
    public let entities: [EntityInfo]
    public let epochs: [SplitEpoch]
    /// In the order they finished; timings relative to the session's start (nanoseconds).
    public let records: [RequestRecord]
    public let votes: [Vote]
    /// Clients' feedback on served requests, in the order it came.
    public let feedback: [Feedback]
    /// The LLM judge's verdicts (and failures), in the order they came.
    public let judgements: [Judgement]
    /// The last read of the verdicts the run made (what it showed last), with its settings; nil in a journal
    /// written before abtop kept them, or if the run ended before any read.
    public let analysis: AnalysisRead?
    /// Request rows the file holds that could not be read (a value missing or out of range: a damaged or tampered
    /// journal): left out of everything above, and said so by the report.
    public let leftOut: Int

    /// Replays the records through the same aggregator the run used: the same percentiles and counts, and the
    /// verdicts as one read at the end, under the settings the run used (α, margins, family; the defaults for a
    /// journal from before they were kept), with each entity's requests in the order they were sent. A report
    /// shows the run's own last read (`analysis`) where there is one; this read is for sessions without (its
    /// intervals can be a little wider: the run's running intersection is not replayed). Every split-mode arm
    /// request the journal holds was an assignment, except a sticky session's repeats (requests still in flight
    /// at the end were recorded as cancelled).
    public func replay() -> (snapshot: Snapshot, verdicts: [Verdict], srm: [SRMResult], familySize: Int) {
        var stats = StatsAggregator(
            entities: entities,
            epoch: epochs.first ?? SplitEpoch(index: 0, weights: Weights.even(count: entities.count), startedAt: 0))
        for epoch in epochs.dropFirst() { stats.openEpoch(epoch) }
        var groups: [Int: [RequestOutcome]] = [:]
        // Each entity's requests in issue order (tickets are per entity; the sort is stable for the rest).
        let inOrder = records.enumerated().sorted { x, y in
            (x.element.outcome.issue ?? Int.max, x.offset) < (y.element.outcome.issue ?? Int.max, y.offset)
        }.map(\.element)
        for var r in inOrder {
            r.outcome.issue = nil
            if !r.outcome.isFallback && r.outcome.countsTowardSplit && !r.outcome.repeatsSession {
                stats.assigned(entity: r.outcome.arm, epoch: r.outcome.epoch)
            }
            stats.record(r.outcome, at: Double(r.outcome.timing.end) / 1e9)
            if let group = r.group { groups[group, default: []].append(r.outcome) }
        }
        for key in groups.keys.sorted() { stats.recordPaired(groups[key]!.sorted { $0.entity < $1.entity }) }
        let settings =
            analysis?.settings
            ?? VerdictAnalysis.Settings(
                streaming: records.contains { $0.outcome.streamed }, paired: !groups.isEmpty,
                cost: !records.isEmpty && records.allSatisfy { $0.outcome.costUSD != nil },
                checks: records.contains { $0.outcome.checkPassed != nil })
        let family = VerdictAnalysis(names: entities.map(\.name), settings: settings).familySize
        return (stats.snapshot(at: summary.duration), stats.verdicts(settings: settings), stats.srm(), family)
    }
}

extension Journal {
    /// Every session, newest first.
    public func sessions() throws -> [StoredSession.Summary] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, s.endpoint, s.mode, s.end_mode, s.started_at, s.ended_at, \(Self.countColumns)
                    FROM session s ORDER BY s.id DESC
                    """
            ).map(Self.summary)
        }
    }

    /// A session's request count as its summary counts them (finished, not cancelled, fallbacks apart), whether
    /// compare mode was used, and its last request's end.
    private static let countColumns = """
        (SELECT COUNT(*) FROM request r WHERE r.session_id = s.id AND r.is_fallback = 0 \
        AND (r.error_kind IS NULL OR r.error_kind != 'cancelled')) AS requests,
        (SELECT COUNT(*) FROM request r WHERE r.session_id = s.id AND r.group_id IS NOT NULL) AS compared,
        (SELECT MAX(end_ns) FROM request r WHERE r.session_id = s.id) AS last_end
        """

    private static func summary(_ row: Row) -> StoredSession.Summary {
        let r = stored(row)
        let started = r.double("started_at").flatMap { $0.isFinite && abs($0) < 1e11 ? $0 : nil } ?? 0
        let ended = r.double("ended_at").flatMap { $0.isFinite && abs($0) < 1e11 ? $0 : nil }
        let lastEnd = r.stamp("last_end").map { Double($0) / 1e9 }
        let duration = ended.map { $0 - started } ?? lastEnd ?? 0
        return StoredSession.Summary(
            id: Int64(r.int("id") ?? 0), endpoint: r.text("endpoint") ?? "?", mode: r.text("mode") ?? "?",
            endMode: r.text("end_mode").flatMap { RunMode(rawValue: $0)?.rawValue },
            startedAt: Date(timeIntervalSince1970: started),
            endedAt: ended.map { Date(timeIntervalSince1970: $0) },
            requests: max(0, r.int("requests") ?? 0), comparedRequests: max(0, r.int("compared") ?? 0),
            duration: duration.isFinite ? max(0, duration) : 0)
    }

    /// Loads one session, or nil when there is no such id.
    public func session(_ id: Int64) throws -> StoredSession? {
        try pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT s.*, \(Self.countColumns)
                        FROM session s WHERE s.id = ?
                        """, arguments: [id])
            else { return nil }
            // Each arm's settings, from the config the session ran (they are not columns of their own).
            let session = Self.stored(row)
            let configText = session.text("config_json") ?? "{}"
            let arms = EndpointConfigReader.facts(text: configText).arms
            let entities = try Row.fetchAll(
                db, sql: "SELECT * FROM entity WHERE session_id = ? ORDER BY idx", arguments: [id]
            )
            .map { row -> EntityInfo in
                let r = Self.stored(row)
                let name = r.text("name") ?? "?"
                return EntityInfo(
                    name: name, model: r.text("model") ?? "?", provider: r.text("provider") ?? "?",
                    settings: arms[name]?.summary)
            }
            let epochs = try Row.fetchAll(
                db, sql: "SELECT * FROM epoch WHERE session_id = ? ORDER BY idx", arguments: [id]
            )
            .compactMap { r -> SplitEpoch? in
                let r = Self.stored(r)
                guard let text = r.text("weights"), let index = r.int("idx"),
                    let w = Weights(text.split(separator: "/").compactMap { Int($0) }), w.count == entities.count
                else { return nil }
                let at = r.double("started_at_s").flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } ?? 0
                return SplitEpoch(index: index, weights: w, startedAt: at)
            }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.*, p.text AS prompt_text, o.text AS output_text FROM request r
                    LEFT JOIN prompt p ON p.session_id = r.session_id AND p.prompt_id = r.prompt_id
                    LEFT JOIN output o ON o.request_id = r.id
                    WHERE r.session_id = ? ORDER BY r.seq
                    """, arguments: [id]
            ).map(Self.stored)
            // A row the file should not hold (a tampered or damaged journal) is left out and counted.
            // Without an epoch the replay starts one of its own, numbered 0.
            let epochIndices = epochs.isEmpty ? [0] : Set(epochs.map(\.index))
            let records = rows.compactMap {
                RequestRecord(stored: $0, entities: entities.count, epochs: epochIndices)
            }
            let votes = try Row.fetchAll(
                db, sql: "SELECT * FROM vote WHERE session_id = ? ORDER BY id", arguments: [id]
            )
            .map(Self.stored).compactMap { r -> Vote? in
                guard let choice = r.text("choice").flatMap(Vote.Choice.init(rawValue:)),
                    let a = r.int("a"), let b = r.int("b"), (0..<entities.count).contains(a),
                    (0..<entities.count).contains(b)
                else { return nil }
                return Vote(a: a, b: b, choice: choice, group: r.int("group_id"))
            }
            let feedback = try Row.fetchAll(
                db, sql: "SELECT * FROM feedback WHERE session_id = ? ORDER BY id", arguments: [id]
            )
            .map(Self.stored).compactMap { r -> Feedback? in
                guard let key = r.text("request_key"), let entity = r.int("entity"),
                    (0..<entities.count).contains(entity), let metric = r.text("metric"), Feedback.isMetricName(metric),
                    let value = r.double("value"), value.isFinite
                else { return nil }
                return Feedback(
                    requestID: key, entity: entity, metric: metric, value: value, isBoolean: r.int("is_boolean") == 1,
                    comment: r.text("comment"))
            }
            let judgements = try Row.fetchAll(
                db, sql: "SELECT * FROM judgement WHERE session_id = ? ORDER BY id", arguments: [id]
            )
            .map(Self.stored).compactMap { r in Self.judgement(r, entities: entities.count) }
            return StoredSession(
                summary: Self.summary(row), configJSON: configText, version: session.text("abtop_version") ?? "?",
                seed: session.stamp("seed"), entities: entities, epochs: epochs,
                records: records, votes: votes, feedback: feedback, judgements: judgements,
                analysis: session.text("analysis_json").flatMap(AnalysisJSON.decode),
                leftOut: rows.count - records.count)
        }
    }

    public func lastSessionID() throws -> Int64? {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM session") }
    }

    /// A judgement row, checked: entities in range, readings and failures by their names, finite numbers; nil
    /// for a row damaged or edited.
    static func judgement(_ r: StoredRow, entities: Int) -> Judgement? {
        guard let first = r.int("first"), let second = r.int("second"), first != second,
            (0..<entities).contains(first), (0..<entities).contains(second), let promptID = r.text("prompt_id")
        else { return nil }
        var j = Judgement(
            group: r.int("group_id"), requestID: r.text("request_key"), promptID: promptID, first: first, second: second
        )
        j.inOrder = r.text("in_order").flatMap(Judgement.Reading.init(rawValue:))
        j.swapped = r.text("swapped").flatMap(Judgement.Reading.init(rawValue:))
        j.failure = r.text("failure").flatMap(Judgement.Failure.init(rawValue:))
        j.note = r.text("note").map { Excerpt.of($0, limit: 200) }
        guard j.failure != nil || (j.inOrder != nil && j.swapped != nil) else { return nil }
        j.inputTokens = max(0, r.int("tokens_in") ?? 0)
        j.outputTokens = max(0, r.int("tokens_out") ?? 0)
        j.costUSD = r.double("cost_usd").flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
        j.seconds = r.double("seconds").flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } ?? 0
        return j
    }

    /// A row as it is in the file, each column as SQLite typed it: `RequestRecord(stored:)` checks the rest.
    private static func stored(_ r: Row) -> StoredRow {
        var columns: [String: StoredRow.Value] = [:]
        for (name, value) in r {
            columns[name] =
                switch value.storage {
                case .null: .null
                case .int64(let v): .integer(v)
                case .double(let v): .real(v)
                case .string(let v): .text(v)
                case .blob: .blob
                }
        }
        return StoredRow(columns)
    }
}
