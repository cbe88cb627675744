import ABCore
import Foundation
import GRDB

/// A session as the journal kept it: enough to rebuild every number the run showed.
public struct StoredSession: Sendable {
    public struct Summary: Sendable {
        public let id: Int64
        public let endpoint: String
        public let mode: String
        public let startedAt: Date
        public let endedAt: Date?
        public let requests: Int
        /// Seconds from the start to the last finished request (or to the end, if recorded).
        public let duration: Double
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
    /// The last read of the verdicts the run made (what it showed last), with its settings; nil in a journal
    /// written before abtop kept them, or if the run ended before any read.
    public let analysis: AnalysisRead?

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
            ?? VerdictAnalysis.Settings(streaming: records.contains { $0.outcome.streamed }, paired: !groups.isEmpty)
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
                    SELECT s.id, s.endpoint, s.mode, s.started_at, s.ended_at,
                           (SELECT COUNT(*) FROM request r WHERE r.session_id = s.id AND r.is_fallback = 0) AS requests,
                           (SELECT MAX(end_ns) FROM request r WHERE r.session_id = s.id) AS last_end
                    FROM session s ORDER BY s.id DESC
                    """
            ).map(Self.summary)
        }
    }

    private static func summary(_ row: Row) -> StoredSession.Summary {
        let started: Double = row["started_at"]
        let ended: Double? = row["ended_at"]
        let lastEnd: Int64? = row["last_end"]
        let duration = ended.map { $0 - started } ?? (lastEnd.map { Double($0) / 1e9 } ?? 0)
        return StoredSession.Summary(
            id: row["id"], endpoint: row["endpoint"], mode: row["mode"],
            startedAt: Date(timeIntervalSince1970: started),
            endedAt: ended.map { Date(timeIntervalSince1970: $0) },
            requests: row["requests"], duration: max(0, duration))
    }

    /// Loads one session, or nil when there is no such id.
    public func session(_ id: Int64) throws -> StoredSession? {
        try pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT s.*, (SELECT COUNT(*) FROM request r \
                        WHERE r.session_id = s.id AND r.is_fallback = 0) AS requests,
                               (SELECT MAX(end_ns) FROM request r WHERE r.session_id = s.id) AS last_end
                        FROM session s WHERE s.id = ?
                        """, arguments: [id])
            else { return nil }
            // Each arm's settings, from the config the session ran (they are not columns of their own).
            let configText: String = row["config_json"]
            let arms = EndpointConfigReader.facts(text: configText).arms
            let entities = try Row.fetchAll(
                db, sql: "SELECT * FROM entity WHERE session_id = ? ORDER BY idx", arguments: [id]
            )
            .map { r -> EntityInfo in
                let name: String = r["name"]
                return EntityInfo(name: name, model: r["model"], provider: r["provider"], settings: arms[name]?.summary)
            }
            let epochs = try Row.fetchAll(
                db, sql: "SELECT * FROM epoch WHERE session_id = ? ORDER BY idx", arguments: [id]
            )
            .compactMap { r -> SplitEpoch? in
                let text: String = r["weights"]
                guard let w = Weights(text.split(separator: "/").compactMap { Int($0) }) else { return nil }
                return SplitEpoch(index: r["idx"], weights: w, startedAt: r["started_at_s"])
            }
            let records = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.*, p.text AS prompt_text, o.text AS output_text FROM request r
                    LEFT JOIN prompt p ON p.session_id = r.session_id AND p.prompt_id = r.prompt_id
                    LEFT JOIN output o ON o.request_id = r.id
                    WHERE r.session_id = ? ORDER BY r.seq
                    """, arguments: [id]
            ).map(Self.record)
            let votes = try Row.fetchAll(
                db, sql: "SELECT * FROM vote WHERE session_id = ? ORDER BY id", arguments: [id]
            )
            .compactMap { r -> Vote? in
                guard let choice = Vote.Choice(rawValue: r["choice"]) else { return nil }
                return Vote(a: r["a"], b: r["b"], choice: choice)
            }
            let seed: Int64? = row["seed"]
            return StoredSession(
                summary: Self.summary(row), configJSON: row["config_json"], version: row["abtop_version"],
                seed: seed.map { UInt64(bitPattern: $0) }, entities: entities, epochs: epochs,
                records: records, votes: votes, analysis: AnalysisJSON.decode(row["analysis_json"]))
        }
    }

    public func lastSessionID() throws -> Int64? {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM session") }
    }

    private static func record(_ r: Row) -> RequestRecord {
        func stamp(_ column: String) -> UInt64? {
            let v: Int64? = r[column]
            return v.map { UInt64(bitPattern: $0) }
        }
        let kind: String? = r["error_kind"]
        var outcome = RequestOutcome(
            entity: r["entity"], arm: r["arm"], epoch: r["epoch"], isFallback: r["is_fallback"], retries: r["retries"],
            timing: RequestTiming(
                start: stamp("start_ns") ?? 0, firstByte: stamp("first_byte_ns"),
                firstToken: stamp("first_token_ns"), end: stamp("end_ns") ?? 0),
            streamed: r["streamed"], status: r["status"], error: kind.flatMap(ErrorKind.init(rawValue:)),
            usage: TokenUsage(input: r["tokens_in"], output: r["tokens_out"], estimated: r["tokens_estimated"]),
            costUSD: r["cost_usd"])
        outcome.countsTowardSplit = r["counts_toward_split"]
        outcome.issue = r["issue"]
        let repeats: Int? = r["repeats_session"]
        outcome.repeatsSession = (repeats ?? 0) != 0
        let passed: Int? = r["check_passed"]
        outcome.checkPassed = passed.map { $0 != 0 }
        var record = RequestRecord(
            outcome: outcome, promptID: r["prompt_id"], prompt: r["prompt_text"] ?? "",
            output: r["output_text"] ?? "", finishReason: r["finish_reason"],
            errorMessage: r["error_message"], group: r["group_id"])
        record.check = passed.map { Expectation.Check(passed: $0 != 0, reason: r["check_reason"] ?? "") }
        return record
    }
}
