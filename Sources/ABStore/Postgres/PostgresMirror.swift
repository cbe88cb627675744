import Foundation
import GRDB

/// Reads a PostgreSQL journal by copying the sessions a command needs into a SQLite journal (a temporary file):
/// `abtop report`, `sessions`, `diff` and `promote` then read it with the same code, checks and limits as any
/// SQLite journal, so a report rebuilt from PostgreSQL is the report a SQLite journal gives. Session and request
/// ids are PostgreSQL's own, unique across the fleet.
public enum PostgresMirror {
    /// Which sessions to copy.
    public enum Scope: Sendable {
        /// These sessions, every row of each.
        case sessions([Int64])
        /// The latest session (the one `report` reads without `--session`).
        case latest
        /// Every session with its requests but not the prompts' and answers' texts (`abtop sessions`).
        case listing
        /// Every session's row and the rollouts' states (`abtop promote` reads where a rollout ended).
        case rollouts
    }

    /// Copies `scope` from the PostgreSQL journal at `url` into a new SQLite journal at `path`.
    public static func copy(url: String, scope: Scope, to path: String) throws -> Journal {
        let pg = try PGConnection(url: url)
        let journal = try Journal(path: path)
        guard
            try pg.exec("SELECT to_regclass('session') IS NOT NULL").first?.first == "t"
        else { return journal }
        var sessions: [Int64]?
        switch scope {
        case .sessions(let ids): sessions = ids
        case .latest:
            sessions =
                try pg.exec("SELECT MAX(id) FROM session").first?.first.flatMap { $0.flatMap { Int64($0) } }
                .map { [$0] } ?? []
        case .listing, .rollouts: sessions = nil
        }
        let skipped: Set<String>
        switch scope {
        case .listing: skipped = ["prompt", "output", "judgement", "feedback", "vote", "rollout"]
        case .rollouts: skipped = ["entity", "epoch", "prompt", "request", "output", "judgement", "feedback", "vote"]
        default: skipped = []
        }
        try journal.pool.write { db in
            for table in PostgresSchema.tables where !skipped.contains(table.name) {
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.name))").map { $0["name"] as String }
                try copy(table, columns: columns, sessions: sessions, from: pg, into: db)
            }
        }
        return journal
    }

    /// Copies one table's rows page by page (keyset order), each page one query.
    private static func copy(
        _ table: PostgresSchema.Table, columns: [String], sessions: [Int64]?, from pg: PGConnection, into db: Database
    ) throws {
        let key = table.hasID ? ["id"] : table.key
        let quoted = columns.map { "\"\($0)\"" }
        var filter = ""
        var base: [String?] = []
        if let sessions {
            guard !sessions.isEmpty else { return }
            base = ["{" + sessions.map(String.init).joined(separator: ",") + "}"]
            switch table.name {
            case "session": filter = "id = ANY($1::bigint[])"
            case "output":
                filter = "request_id IN (SELECT id FROM request WHERE session_id = ANY($1::bigint[]))"
            default: filter = "session_id = ANY($1::bigint[])"
            }
        }
        let insert =
            "INSERT OR REPLACE INTO \(table.name) (\(quoted.joined(separator: ", "))) VALUES ("
            + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        var after: [String?]?
        while true {
            var conditions = filter.isEmpty ? [] : [filter]
            var parameters = base
            if let after {
                let placeholders = after.indices.map { "$\(parameters.count + $0 + 1)" }
                conditions.append(
                    "(\(key.map { "\"\($0)\"" }.joined(separator: ", "))) > (\(placeholders.joined(separator: ", ")))")
                parameters += after
            }
            let rows = try pg.exec(
                "SELECT \(quoted.joined(separator: ", ")) FROM \(table.name)"
                    + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
                    + " ORDER BY \(key.map { "\"\($0)\"" }.joined(separator: ", ")) LIMIT 5000", parameters)
            guard !rows.isEmpty else { return }
            let statement = try db.cachedStatement(sql: insert)
            for row in rows {
                // Text in, and SQLite's column affinity makes numbers of the numeric columns, as they were.
                try statement.execute(arguments: StatementArguments(row.map { $0?.databaseValue ?? .null }))
            }
            let last = rows.last!
            after = key.map { k in last[columns.firstIndex(of: k)!] }
            if rows.count < 5000 { return }
        }
    }
}
