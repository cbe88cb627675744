import ABCore
import Foundation
import GRDB
import Synchronization

/// The SQLite journal of every session (DESIGN §9): sessions, split epochs, prompts, requests, outputs, votes.
///
/// WAL mode (a `DatabasePool`); writes are batched in short transactions by `JournalWriter`, off the engine's
/// hot path. Schema changes go through GRDB's migrator, so later versions open old journals.
public final class Journal: Sendable {
    public let path: String
    let pool: DatabasePool
    /// Writes the buffered rows of every session writing to this journal, on one thread.
    let flusher = JournalFlusher()

    /// The default location: `$XDG_DATA_HOME/abtop/abtop.sqlite` (or `~/.local/share/abtop/abtop.sqlite`).
    public static func defaultPath(environment: [String: String]) -> String {
        let base =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["HOME"].map { $0 + "/.local/share" } ?? FileManager.default.currentDirectoryPath
        return base + "/abtop/abtop.sqlite"
    }

    public init(path: String) throws {
        self.path = path
        // A bare file name (`--store runs.sqlite`) has no directory to make: it lives in the current one.
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        pool = try Self.open(path)
    }

    /// Opens the pool and brings the schema up to date. Several processes opening a new journal at once (runs
    /// started together: CI's first tests, two terminals) race twice: switching the new file to WAL finds it
    /// locked (no busy wait applies there), and each sees no migration applied, so the later `CREATE TABLE` finds
    /// the earlier one's table. Either is tried again, a little later, up to ten times: the migrations are then read
    /// afresh and only those still pending applied.
    static func open(_ path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        var attempt = 0
        while true {
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                try migrator.migrate(pool)
                return pool
            } catch {
                attempt += 1
                let superseded = (try? DatabaseQueue(path: path).read { try migrator.hasBeenSuperseded($0) }) ?? false
                guard attempt < 10, !superseded else { throw error }
                Thread.sleep(forTimeInterval: 0.02 * Double(attempt))
            }
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.create(table: "session") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("endpoint", .text).notNull()
                t.column("mode", .text).notNull()
                t.column("config_json", .text).notNull()
                t.column("abtop_version", .text).notNull()
                t.column("started_at", .double).notNull()
                t.column("ended_at", .double)
                t.column("seed", .integer)
            }
            try db.create(table: "entity") { t in
                t.column("session_id", .integer).notNull().references("session", onDelete: .cascade)
                t.column("idx", .integer).notNull()
                t.column("name", .text).notNull()
                t.column("provider", .text).notNull()
                t.column("model", .text).notNull()
                t.primaryKey(["session_id", "idx"])
            }
            try db.create(table: "epoch") { t in
                t.column("session_id", .integer).notNull().references("session", onDelete: .cascade)
                t.column("idx", .integer).notNull()
                t.column("started_at_s", .double).notNull()
                t.column("weights", .text).notNull()
                t.primaryKey(["session_id", "idx"])
            }
            try db.create(table: "prompt") { t in
                t.column("session_id", .integer).notNull().references("session", onDelete: .cascade)
                t.column("prompt_id", .text).notNull()
                t.column("text", .text).notNull()
                t.primaryKey(["session_id", "prompt_id"])
            }
            try db.create(table: "request") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("session_id", .integer).notNull().references("session", onDelete: .cascade).indexed()
                t.column("seq", .integer).notNull()
                t.column("prompt_id", .text).notNull()
                t.column("entity", .integer).notNull()
                t.column("arm", .integer).notNull()
                t.column("epoch", .integer).notNull()
                t.column("is_fallback", .boolean).notNull()
                t.column("counts_toward_split", .boolean).notNull()
                t.column("group_id", .integer)
                t.column("retries", .integer).notNull()
                t.column("start_ns", .integer).notNull()
                t.column("first_byte_ns", .integer)
                t.column("first_token_ns", .integer)
                t.column("end_ns", .integer).notNull()
                t.column("streamed", .boolean).notNull()
                t.column("status", .integer)
                t.column("error_kind", .text)
                t.column("error_message", .text)
                t.column("finish_reason", .text)
                t.column("tokens_in", .integer).notNull()
                t.column("tokens_out", .integer).notNull()
                t.column("tokens_estimated", .boolean).notNull()
                t.column("cost_usd", .double)
            }
            try db.create(table: "output") { t in
                t.column("request_id", .integer).primaryKey().references("request", onDelete: .cascade)
                t.column("text", .text).notNull()
            }
            try db.create(table: "vote") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("session_id", .integer).notNull().references("session", onDelete: .cascade)
                t.column("at_s", .double).notNull()
                t.column("a", .integer).notNull()
                t.column("b", .integer).notNull()
                t.column("choice", .text).notNull()
            }
        }
        // Whether each answer met its prompt's `expect` (null: none, or no answer), and why not.
        m.registerMigration("v2-checks") { db in
            try db.alter(table: "request") { t in
                t.add(column: "check_passed", .integer)
                t.add(column: "check_reason", .text)
            }
        }
        // The analysis as it was shown: the latest read of the verdicts with the settings they were read under
        // (JSON), and each request's place in its entity's issue order and whether it repeated a sticky session,
        // so a report rebuilt from the journal repeats what the run showed.
        m.registerMigration("v3-analysis") { db in
            try db.alter(table: "session") { t in t.add(column: "analysis_json", .text) }
            try db.alter(table: "request") { t in
                t.add(column: "issue", .integer)
                t.add(column: "repeats_session", .integer)
            }
        }
        m.registerMigration("v4-vote-group") { db in
            // Which prompt's answers a vote was cast on (`request.group_id`).
            try db.alter(table: "vote") { t in t.add(column: "group_id", .integer) }
        }
        m.registerMigration("v5-end-mode") { db in
            // The mode the session was in last (the dashboard's `c` switches it), when it ever switched.
            try db.alter(table: "session") { t in t.add(column: "end_mode", .text) }
        }
        m.registerMigration("v6-feedback") { db in
            // Clients' feedback on served requests (`POST /feedback`), beside the request it names.
            try db.create(table: "feedback") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("session_id", .integer).notNull().references("session", onDelete: .cascade)
                t.column("at_s", .double).notNull()
                t.column("request_key", .text).notNull()
                t.column("entity", .integer).notNull()
                t.column("metric", .text).notNull()
                t.column("value", .double).notNull()
                t.column("is_boolean", .integer).notNull()
                t.column("comment", .text)
            }
        }
        m.registerMigration("v7-judgements") { db in
            // The LLM judge's verdicts (both orders) or why there is none, with what each judging cost.
            try db.create(table: "judgement") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("session_id", .integer).notNull().references("session", onDelete: .cascade)
                t.column("at_s", .double).notNull()
                t.column("group_id", .integer)
                t.column("request_key", .text)
                t.column("prompt_id", .text).notNull()
                t.column("first", .integer).notNull()
                t.column("second", .integer).notNull()
                t.column("in_order", .text)
                t.column("swapped", .text)
                t.column("failure", .text)
                t.column("note", .text)
                t.column("tokens_in", .integer).notNull()
                t.column("tokens_out", .integer).notNull()
                t.column("cost_usd", .double)
                t.column("seconds", .double).notNull()
            }
        }
        m.registerMigration("v8-rollout") { db in
            // A guarded rollout's state after each move, by endpoint: a restarted serve resumes the latest.
            try db.create(table: "rollout") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("session_id", .integer).notNull().references("session", onDelete: .cascade)
                t.column("endpoint", .text).notNull()
                t.column("at", .double).notNull()
                t.column("state_json", .text).notNull()
            }
            try db.create(index: "rollout_by_endpoint", on: "rollout", columns: ["endpoint", "id"])
        }
        return m
    }

    /// Opens a session: its endpoint (config with every secret redacted), entities and first epoch.
    public func beginSession(
        endpoint: EndpointConfig, mode: String, redactedConfig: String, version: String,
        seed: UInt64?, startedAt: Date = Date()
    ) throws -> Int64 {
        try pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO session (endpoint, mode, config_json, abtop_version, started_at, seed) "
                    + "VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    endpoint.name, mode, redactedConfig, version, startedAt.timeIntervalSince1970,
                    seed.map { Int64(bitPattern: $0) },
                ])
            let id = db.lastInsertedRowID
            for (i, e) in endpoint.servedEntities.enumerated() {
                try db.execute(
                    sql: "INSERT INTO entity (session_id, idx, name, provider, model) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, i, e.name, e.provider.rawValue, e.model])
            }
            try db.execute(
                sql: "INSERT INTO epoch (session_id, idx, started_at_s, weights) VALUES (?, 0, 0, ?)",
                arguments: [id, endpoint.weights.description])
            return id
        }
    }

    public func recordEpoch(session: Int64, _ epoch: SplitEpoch) throws {
        try pool.write { db in try Self.insert(epoch, session: session, in: db) }
    }

    public func recordVote(session: Int64, _ vote: Vote, at seconds: Double) throws {
        try pool.write { db in try Self.insert(vote, at: seconds, session: session, in: db) }
    }

    static func insert(_ epoch: SplitEpoch, session: Int64, in db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO epoch (session_id, idx, started_at_s, weights) VALUES (?, ?, ?, ?)",
            arguments: [session, epoch.index, epoch.startedAt, epoch.weights.description])
    }

    /// The latest state of `endpoint`'s rollout in any session (nil without one, or when it does not read).
    public func latestRollout(endpoint: String) throws -> RolloutState? {
        try pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT state_json FROM rollout WHERE endpoint = ? ORDER BY id DESC LIMIT 1",
                arguments: [endpoint])
        }.flatMap(RolloutJSON.decode)
    }

    /// Whether `plan` ever ran on `endpoint` (any state of it journaled).
    public func rolloutRan(endpoint: String, plan: RolloutPlan) throws -> Bool {
        try pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT state_json FROM rollout WHERE endpoint = ? ORDER BY id DESC LIMIT 10000",
                arguments: [endpoint])
        }.contains { RolloutJSON.decode($0)?.plan == plan }
    }

    static func insert(_ j: Judgement, at seconds: Double, session: Int64, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO judgement (session_id, at_s, group_id, request_key, prompt_id, first, second, in_order,
                  swapped, failure, note, tokens_in, tokens_out, cost_usd, seconds)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                session, seconds, j.group, j.requestID, j.promptID, j.first, j.second, j.inOrder?.rawValue,
                j.swapped?.rawValue, j.failure?.rawValue, j.note, j.inputTokens, j.outputTokens, j.costUSD, j.seconds,
            ])
    }

    static func insert(_ vote: Vote, at seconds: Double, session: Int64, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO vote (session_id, at_s, a, b, choice, group_id) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [session, seconds, vote.a, vote.b, vote.choice.rawValue, vote.group])
    }

    public func endSession(_ session: Int64, at: Date = Date()) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE session SET ended_at = ? WHERE id = ?", arguments: [at.timeIntervalSince1970, session])
        }
    }

    /// Appends finished requests in one transaction. Timings are stored relative to the session's origin.
    /// `withPrompt` says, per record, whether its prompt text may not be in the journal yet (a load cycles
    /// through a few prompts: writing each once saves a third of the rows).
    func append(
        session: Int64, origin: UInt64, records: [(seq: Int, record: RequestRecord)],
        withPrompt: [Bool]? = nil, notes: Notes = Notes()
    ) throws {
        try pool.write { db in
            for (j, at) in notes.judgements { try Self.insert(j, at: at, session: session, in: db) }
            for state in notes.rollouts {
                try db.execute(
                    sql: "INSERT INTO rollout (session_id, endpoint, at, state_json) "
                        + "SELECT id, endpoint, ?, ? FROM session WHERE id = ?",
                    arguments: [Date().timeIntervalSince1970, state, session])
            }
            for (f, at) in notes.feedback {
                try db.execute(
                    sql:
                        "INSERT INTO feedback (session_id, at_s, request_key, entity, metric, value, is_boolean, comment) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [session, at, f.requestID, f.entity, f.metric, f.value, f.isBoolean ? 1 : 0, f.comment])
            }
            if let analysis = notes.analysis {
                try db.execute(
                    sql: "UPDATE session SET analysis_json = ? WHERE id = ?", arguments: [analysis, session])
            }
            if let mode = notes.mode {
                try db.execute(
                    sql: "UPDATE session SET end_mode = ? WHERE id = ?", arguments: [mode.rawValue, session])
            }
            // Epochs and votes first, in the order they happened (requests name their epoch by index only).
            for epoch in notes.epochs { try Self.insert(epoch, session: session, in: db) }
            for (vote, at) in notes.votes { try Self.insert(vote, at: at, session: session, in: db) }
            // Cached, prepared statements: compiling the SQL per row cost more than writing it.
            let prompt = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO prompt (session_id, prompt_id, text) VALUES (?, ?, ?)")
            let request = try db.cachedStatement(
                sql: """
                    INSERT INTO request (session_id, seq, prompt_id, entity, arm, epoch, \
                    is_fallback, counts_toward_split,
                      group_id, retries, start_ns, first_byte_ns, first_token_ns, end_ns, streamed, status, error_kind,
                      error_message, finish_reason, tokens_in, tokens_out, tokens_estimated, cost_usd,
                      check_passed, check_reason, issue, repeats_session)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let output = try db.cachedStatement(sql: "INSERT INTO output (request_id, text) VALUES (?, ?)")
            let (promptRow, requestRow, outputRow) = (
                RawInsert(statement: prompt), RawInsert(statement: request),
                RawInsert(statement: output)
            )
            for (i, (seq, r)) in records.enumerated() {
                let o = r.outcome
                func rel(_ t: UInt64?) -> RawInsert.Value { .int(t.map { Int64(bitPattern: $0 &- origin) }) }
                if withPrompt?[i] ?? true {
                    try promptRow.run([.int(session), .text(r.promptID), .text(r.prompt)], in: db)
                }
                try requestRow.run(
                    [
                        .int(session), .int(seq), .text(r.promptID), .int(o.entity), .int(o.arm), .int(o.epoch),
                        .bool(o.isFallback), .bool(o.countsTowardSplit), .int(r.group), .int(o.retries),
                        rel(o.timing.start), rel(o.timing.firstByte), rel(o.timing.firstToken),
                        rel(o.timing.end), .bool(o.streamed), .int(o.status), .text(o.error?.rawValue),
                        .text(r.errorMessage), .text(r.finishReason), .int(o.usage.input),
                        .int(o.usage.output), .bool(o.usage.estimated), .double(o.costUSD),
                        .int(r.check.map { $0.passed ? 1 : 0 }), .text(r.check?.reason), .int(o.issue),
                        .bool(o.repeatsSession),
                    ], in: db)
                try outputRow.run([.int(db.lastInsertedRowID), .text(r.output)], in: db)
            }
        }
    }
}

extension Journal {
    /// Another connection holds the database (`SQLITE_BUSY`, `SQLITE_LOCKED`): worth trying again.
    static func isBusy(_ error: any Error) -> Bool {
        guard let e = error as? DatabaseError else { return false }
        return e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED
    }
}
