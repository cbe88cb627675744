import ABCore
import Foundation
import GRDB
import Synchronization

/// Ships a replica's journal to PostgreSQL (`abtop serve --store postgres://…`).
///
/// The replica writes its journal to a local SQLite file first, the **spool**, exactly as a single abtop writes
/// its journal (batched, off the request path). This thread copies the spool's new rows to PostgreSQL every
/// 200 ms, many rows to a statement and every table of a look in one transaction, and learns where it is from
/// PostgreSQL itself (the largest `local_id` of this replica in each table), so:
///
/// - **PostgreSQL down:** rows stay in the spool and are shipped when it answers again, oldest first;
/// - **nothing twice:** a look that committed in PostgreSQL but died before this thread knew it ships the same
///   rows again, and each meets its own `(replica, local_id)` and is skipped;
/// - **a restart** (a crash, `kill -9`, a deploy) with the same `--replica` and spool ships what the last run
///   left.
///
/// One live process per replica name: the thread holds a PostgreSQL advisory lock on the name, and a second
/// process under the same name is refused (two spools under one name would collide on `local_id`).
public final class PostgresShipper: Sendable {
    public let url: String
    public let replica: String
    let journal: Journal
    private let state = Mutex(State())
    private let say: @Sendable (String) -> Void
    private let wake = NSCondition()

    struct State {
        var stopping = false
        var stopped = false
        var connected = false
        var lastError: String?
        var shipped = 0
        /// Set when this look has shipped everything the spool held when it began.
        var caughtUp = false
    }

    /// How many shipped requests the spool keeps (`--spool-keep`; older shipped ones are deleted from it): the spool
    /// holds what PostgreSQL does not have yet, and this many more.
    let keep: Int

    /// Rows per statement (each value is one parameter; PostgreSQL takes at most 65,535 per statement).
    static let batch = 1_000
    static let look = 0.2

    public struct Status: Sendable {
        public var connected: Bool
        public var shipped: Int
        public var lastError: String?
    }

    public init(
        url: String, replica: String, journal: Journal, keep: Int = 100_000,
        say: @escaping @Sendable (String) -> Void
    ) {
        self.keep = keep
        self.url = url
        self.replica = replica
        self.journal = journal
        self.say = say
    }

    public var status: Status {
        state.withLock { Status(connected: $0.connected, shipped: $0.shipped, lastError: $0.lastError) }
    }

    /// The shipping state for `/metrics`.
    public var metrics: String {
        let s = status
        let labels = "{replica=\"\(replica.replacingOccurrences(of: "\"", with: ""))\"}"
        return """
            # HELP abtop_journal_postgres_up Whether the PostgreSQL journal answered this replica's last look.
            # TYPE abtop_journal_postgres_up gauge
            abtop_journal_postgres_up\(labels) \(s.connected ? 1 : 0)
            # HELP abtop_journal_shipped_requests_total Requests this replica shipped from its spool to PostgreSQL.
            # TYPE abtop_journal_shipped_requests_total counter
            abtop_journal_shipped_requests_total\(labels) \(s.shipped)

            """
    }

    /// Checks the replica's name is free now (when PostgreSQL answers): a second live process under one name is
    /// refused before it serves anything. Nil when it may go on.
    public static func nameInUse(url: String, replica: String) -> String? {
        // A replica killed a moment ago holds the name until PostgreSQL notices its connection closed: a restart
        // waits a few seconds for that before calling the name taken.
        let deadline = Date().addingTimeInterval(8)
        while true {
            guard let pg = try? PGConnection(url: url, timeout: 3),
                let rows = try? pg.exec("SELECT pg_try_advisory_lock(hashtext($1))", ["abtop-replica:" + replica])
            else { return nil }
            if rows.first?.first == "t" { return nil }
            if Date() > deadline {
                return "replica name '\(replica)' is in use by another live abtop serve "
                    + "(give each replica its own --replica)"
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
    }

    /// Starts the shipping thread.
    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "abtop-shipper"
        thread.start()
    }

    /// Ships what the spool holds now (within `seconds`), then stops: serve's shutdown, after the journal's
    /// writers closed. False when rows are left (PostgreSQL did not answer): the spool keeps them for the next run.
    @discardableResult
    public func finish(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        state.withLock {
            $0.caughtUp = false
            $0.stopping = true
        }
        wake.lock()
        wake.broadcast()
        wake.unlock()
        while Date() < deadline {
            if state.withLock({ $0.stopped }) { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return state.withLock { $0.stopped && $0.caughtUp }
    }

    private func run() {
        var prunedAt: Int64 = 0
        var pg: PGConnection?
        var marks: Marks?
        var backoff = 0.5
        while true {
            let stopping = state.withLock { $0.stopping }
            do {
                if pg == nil || !(pg!.isOK) {
                    pg = nil
                    let c = try PGConnection(url: url)
                    let lock = try c.exec("SELECT pg_try_advisory_lock(hashtext($1))", ["abtop-replica:" + replica])
                    guard lock.first?.first == "t" else {
                        // Tried again later like an outage: the other process may be one killed a moment ago.
                        throw PGConnection.Failure(
                            description: "replica name '\(replica)' is held by another live abtop serve; "
                                + "the rows wait in the spool at \(journal.path)", state: "ABTOP", connectionLost: true)
                    }
                    let columns = try PostgresSchema.prepare(c, from: journal)
                    try claimSpool(c)
                    marks = try Marks.read(c, replica: replica, columns: columns)
                    pg = c
                    backoff = 0.5
                    let was = state.withLock { s in
                        defer {
                            s.connected = true
                            s.lastError = nil
                        }
                        return s.connected
                    }
                    if !was { say("abtop serve: journal: shipping to PostgreSQL at \(c.address)") }
                }
                var more = true
                while more {
                    let (n, full) = try ship(pg!, &marks!)
                    state.withLock { $0.shipped += n }
                    more = full
                }
                // Pruned each time another tenth of `keep` (at least 1,000) requests has been shipped.
                let shippedUpTo = marks!.last["request"] ?? 0
                if shippedUpTo - prunedAt >= Int64(max(1_000, keep / 10)) {
                    prune(marks!)
                    prunedAt = shippedUpTo
                }
                if stopping {
                    state.withLock { $0.caughtUp = true }
                    break
                }
            } catch {
                pg = nil
                let was = state.withLock { s in
                    defer {
                        s.connected = false
                        s.lastError = "\(error)"
                    }
                    return s.connected || s.lastError == nil
                }
                if was {
                    // abtop's own refusals (a name or spool taken) are not PostgreSQL failing.
                    if let own = error as? PGConnection.Failure, own.state == "ABTOP" {
                        say("abtop serve: journal: not shipping: \(own)")
                    } else {
                        say("abtop serve: journal: PostgreSQL does not answer (\(error)); spooling to \(journal.path)")
                    }
                }
                if stopping { break }
                backoff = min(5, backoff * 2)
            }
            wake.lock()
            if !state.withLock({ $0.stopping }) {
                _ = wake.wait(until: Date().addingTimeInterval(pg == nil ? backoff : Self.look))
            }
            wake.unlock()
        }
        state.withLock { $0.stopped = true }
    }

    /// This spool's identity (made once, kept in the spool itself), checked against the one PostgreSQL knows for
    /// this replica name: a different spool under the same name is refused, rather than its rows being skipped
    /// (their `local_id`s already taken) or joined to the other spool's sessions.
    private func claimSpool(_ pg: PGConnection) throws {
        let id = try journal.pool.write { db -> String in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS abtop_spool (id TEXT NOT NULL)")
            if let id = try String.fetchOne(db, sql: "SELECT id FROM abtop_spool LIMIT 1") { return id }
            let id = UUID().uuidString
            try db.execute(sql: "INSERT INTO abtop_spool (id) VALUES (?)", arguments: [id])
            return id
        }
        try pg.exec(
            "INSERT INTO abtop_replica (replica, spool) VALUES ($1, $2) ON CONFLICT (replica) DO NOTHING",
            [replica, id])
        let known = try pg.exec("SELECT spool FROM abtop_replica WHERE replica = $1", [replica]).first?.first ?? nil
        guard known == id else {
            throw PGConnection.Failure(
                description: "replica name '\(replica)' already shipped rows from another spool; this one "
                    + "(\(journal.path)) is not shipped: give it its own --replica, or the replica its old --spool",
                state: "ABTOP", connectionLost: true)
        }
    }

    /// Deletes from the spool the rows PostgreSQL has, but the last `keep` requests (and what goes with them). Each
    /// table's last row stays: the tables without AUTOINCREMENT would otherwise hand its rowid out again, and the
    /// shipper knows rows by rowid. Sessions, entities, epochs and rollouts are few and stay (serve reads its
    /// rollouts back). A failure here costs only disk: the rows stay, and the next minute tries again.
    func prune(_ marks: Marks) {
        let requestMark = (marks.last["request"] ?? 0) - Int64(keep)
        guard requestMark > 0 else { return }
        try? journal.pool.write { db in
            // Outputs go with their requests (output.request_id is the request's rowid).
            try db.execute(
                sql: "DELETE FROM output WHERE request_id <= ? AND request_id < (SELECT MAX(request_id) FROM output)",
                arguments: [requestMark])
            try db.execute(
                sql: "DELETE FROM request WHERE id <= ? AND id < (SELECT MAX(id) FROM request)",
                arguments: [requestMark])
            for table in ["prompt", "vote", "feedback", "judgement"] {
                guard let shipped = marks.last[table], shipped > 0 else { continue }
                let bound = shipped - Int64(keep)
                guard bound > 0 else { continue }
                try db.execute(
                    sql: "DELETE FROM \(table) WHERE rowid <= ? AND rowid < (SELECT MAX(rowid) FROM \(table))",
                    arguments: [bound])
            }
        }
    }

    /// How far each table is shipped (this replica's largest `local_id` in PostgreSQL), and the sessions whose
    /// row may still change (not ended), with what was last shipped of them.
    struct Marks {
        var last: [String: Int64]
        var columns: [String: [PostgresSchema.Column]]
        var open: [Int64: String]

        static func read(_ pg: PGConnection, replica: String, columns: [String: [PostgresSchema.Column]]) throws
            -> Marks
        {
            var last: [String: Int64] = [:]
            for table in PostgresSchema.tables {
                let rows = try pg.exec(
                    "SELECT COALESCE(MAX(local_id), 0) FROM \(table.name) WHERE replica = $1", [replica])
                last[table.name] = rows.first?.first.flatMap { $0.flatMap { Int64($0) } } ?? 0
            }
            var open: [Int64: String] = [:]
            for row in try pg.exec("SELECT local_id FROM session WHERE replica = $1 AND ended_at IS NULL", [replica]) {
                if let id = row.first.flatMap({ $0.flatMap { Int64($0) } }) { open[id] = "" }
            }
            return Marks(last: last, columns: columns, open: open)
        }
    }

    /// One look: every table's new rows (and the open sessions' changes) in one transaction. How many requests it
    /// shipped, and whether a table had more than one batch (look again at once).
    func ship(_ pg: PGConnection, _ marks: inout Marks) throws -> (Int, Bool) {
        var next = marks
        var statements: [(String, [String?])] = []
        var full = false
        var requests = 0
        try journal.pool.read { db in
            // Sessions: the new ones, and the open ones whose row changed (ended, a new analysis).
            let sessionColumns = next.columns["session"] ?? []
            let fresh = try Row.fetchAll(
                db, sql: "SELECT rowid AS abtop_rowid, * FROM session WHERE rowid > ? ORDER BY rowid",
                arguments: [marks.last["session"] ?? 0])
            let watched =
                next.open.isEmpty
                ? []
                : try Row.fetchAll(
                    db,
                    sql: "SELECT rowid AS abtop_rowid, * FROM session WHERE rowid IN ("
                        + next.open.keys.map(String.init).joined(separator: ",") + ")")
            var sessions: [[String?]] = []
            for row in watched + fresh {
                let id: Int64 = row["abtop_rowid"]
                let values = sessionColumns.map { Self.text(row[$0.name]) }
                let signature = values.map { $0 ?? "\u{1}" }.joined(separator: "\u{2}")
                if next.open[id] == signature { continue }
                sessions.append([String(id)] + values)
                next.open[id] = (row["ended_at"] as DatabaseValue).isNull ? signature : nil
                next.last["session"] = max(next.last["session"] ?? 0, id)
            }
            if !sessions.isEmpty {
                statements += Self.insert(
                    PostgresSchema.table("session")!, columns: sessionColumns, rows: sessions, replica: replica)
            }
            for table in PostgresSchema.tables where table.name != "session" {
                let columns = next.columns[table.name] ?? []
                let rows: [Row]
                if table.name == "output" {
                    // An answer's text ships with its request, never before it (output.request_id is its rowid).
                    rows = try Row.fetchAll(
                        db,
                        sql: "SELECT rowid AS abtop_rowid, * FROM output WHERE rowid > ? AND rowid <= ? ORDER BY rowid",
                        arguments: [marks.last["request"] ?? 0, next.last["request"] ?? 0])
                } else {
                    rows = try Row.fetchAll(
                        db,
                        sql: "SELECT rowid AS abtop_rowid, * FROM \(table.name) WHERE rowid > ? ORDER BY rowid LIMIT ?",
                        arguments: [marks.last[table.name] ?? 0, Self.batch])
                    if rows.count == Self.batch { full = true }
                }
                guard let lastRow = rows.last else { continue }
                next.last[table.name] = lastRow["abtop_rowid"] as Int64
                if table.name == "request" { requests = rows.count }
                let values = rows.map { row -> [String?] in
                    [Self.text(row["abtop_rowid"])] + columns.map { Self.text(row[$0.name]) }
                }
                statements += Self.insert(table, columns: columns, rows: values, replica: replica)
            }
        }
        guard !statements.isEmpty else { return (0, false) }
        try pg.transaction {
            for (sql, parameters) in statements { try pg.exec(sql, parameters) }
        }
        marks = next
        return (requests, full)
    }

    /// `INSERT … ON CONFLICT` statements for `rows` (each: local id, then the table's columns), many rows each. A
    /// child names its parent by the parent's PostgreSQL id, found by the parent's `(replica, local_id)`.
    static func insert(
        _ table: PostgresSchema.Table, columns: [PostgresSchema.Column], rows: [[String?]], replica: String
    ) -> [(String, [String?])] {
        let quoted = columns.map { "\"\($0.name)\"" }
        let conflict =
            table.updates.isEmpty
            ? "DO NOTHING"
            : "DO UPDATE SET " + table.updates.map { "\"\($0)\" = EXCLUDED.\"\($0)\"" }.joined(separator: ", ")
        let perRow = columns.count + 1
        let rowsPerStatement = max(1, 60_000 / perRow)
        var statements: [(String, [String?])] = []
        for start in stride(from: 0, to: rows.count, by: rowsPerStatement) {
            let chunk = rows[start..<min(rows.count, start + rowsPerStatement)]
            var parameters: [String?] = [replica]
            var tuples: [String] = []
            for row in chunk {
                var cells: [String] = []
                for (i, value) in row.enumerated() {
                    parameters.append(value)
                    let type = i == 0 ? "BIGINT" : columns[i - 1].type
                    cells.append("$\(parameters.count)::\(type)")
                }
                tuples.append("(" + cells.joined(separator: ", ") + ")")
            }
            let values =
                "(VALUES " + tuples.joined(separator: ", ") + ") AS v(abtop_local_id, "
                + quoted.joined(separator: ", ") + ")"
            let sql: String
            if let parent = table.parent {
                let select = columns.map { $0.name == parent.column ? "p.id" : "v.\"\($0.name)\"" }
                sql =
                    "INSERT INTO \(table.name) (replica, local_id, \(quoted.joined(separator: ", "))) "
                    + "SELECT $1, v.abtop_local_id, \(select.joined(separator: ", ")) FROM \(values) "
                    + "JOIN \(parent.table) p ON p.replica = $1 AND p.local_id = v.\"\(parent.column)\" "
                    + "ON CONFLICT (\(table.key.joined(separator: ", "))) \(conflict)"
            } else {
                sql =
                    "INSERT INTO \(table.name) (replica, local_id, \(quoted.joined(separator: ", "))) "
                    + "SELECT $1, v.abtop_local_id, \(quoted.map { "v.\($0)" }.joined(separator: ", ")) FROM \(values) "
                    + "ON CONFLICT (\(table.key.joined(separator: ", "))) \(conflict)"
            }
            statements.append((sql, parameters))
        }
        return statements
    }

    /// A SQLite value as PostgreSQL's text input reads it. A NUL (which a provider's answer may carry and SQLite
    /// keeps) cannot be in PostgreSQL's text: it becomes U+FFFD rather than stall the spool.
    static func text(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: return nil
        case .int64(let v): return String(v)
        case .double(let v):
            if v.isNaN { return "NaN" }
            if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
            return "\(v)"
        case .string(let s): return s.contains("\u{0}") ? s.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : s
        case .blob(let d): return d.map { String(format: "%02x", $0) }.joined()
        }
    }
}
