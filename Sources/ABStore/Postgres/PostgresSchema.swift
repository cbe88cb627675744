import Foundation
import GRDB

/// The PostgreSQL journal's tables: the SQLite journal's own, column for column, derived from the SQLite schema
/// itself (so a migration added to `Journal.migrator` reaches PostgreSQL with no second copy to forget), plus two
/// columns that make shipping idempotent: `replica` (which serve wrote the row) and `local_id` (its rowid in that
/// replica's spool). A row shipped twice (a crash between PostgreSQL's commit and the next look) meets its own
/// `(replica, local_id)` and is not written again.
///
/// Ids: `session.id` and `request.id` (and the other tables with an `id`) are PostgreSQL's own, unique across
/// the fleet; a child row names its parent by that id, found by the parent's `(replica, local_id)` as it is
/// shipped.
enum PostgresSchema {
    struct Table: Sendable {
        let name: String
        /// The column naming the parent row and the parent's table (nil: `session`, the root).
        let parent: (column: String, table: String)?
        /// Whether it has its own `id` (PostgreSQL's, a BIGSERIAL).
        let hasID: Bool
        /// The row's identity in PostgreSQL, for ON CONFLICT.
        let key: [String]
        /// Columns a later copy of the row replaces (an epoch rewritten, a session ended); else the first stays.
        let updates: [String]
    }

    /// In the order rows are shipped: parents before children.
    static let tables: [Table] = [
        Table(
            name: "session", parent: nil, hasID: true, key: ["replica", "local_id"],
            updates: ["ended_at", "analysis_json", "end_mode"]),
        Table(
            name: "entity", parent: ("session_id", "session"), hasID: false, key: ["session_id", "idx"], updates: []),
        Table(
            name: "epoch", parent: ("session_id", "session"), hasID: false, key: ["session_id", "idx"],
            updates: ["started_at_s", "weights", "local_id"]),
        Table(
            name: "prompt", parent: ("session_id", "session"), hasID: false, key: ["session_id", "prompt_id"],
            updates: []),
        Table(
            name: "request", parent: ("session_id", "session"), hasID: true, key: ["replica", "local_id"], updates: []),
        Table(name: "output", parent: ("request_id", "request"), hasID: false, key: ["request_id"], updates: []),
        Table(name: "vote", parent: ("session_id", "session"), hasID: true, key: ["replica", "local_id"], updates: []),
        Table(
            name: "feedback", parent: ("session_id", "session"), hasID: true, key: ["replica", "local_id"], updates: []),
        Table(
            name: "judgement", parent: ("session_id", "session"), hasID: true, key: ["replica", "local_id"], updates: []
        ),
        Table(
            name: "rollout", parent: ("session_id", "session"), hasID: true, key: ["replica", "local_id"], updates: []),
    ]

    static func table(_ name: String) -> Table? { tables.first { $0.name == name } }

    /// A SQLite column: its name and PostgreSQL type.
    struct Column: Sendable, Equatable {
        let name: String
        let type: String
    }

    /// The SQLite table's columns as PostgreSQL declares them (without `id`: PostgreSQL's own).
    static func columns(of table: String, in db: Database) throws -> [Column] {
        try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").compactMap { row -> Column? in
            let name: String = row["name"]
            guard name != "id" else { return nil }
            let declared = (row["type"] as String? ?? "").uppercased()
            let type =
                declared.contains("INT") || declared.contains("BOOL")
                ? "BIGINT"
                : declared.contains("DOUB") || declared.contains("REAL") || declared.contains("FLOA")
                    ? "DOUBLE PRECISION" : "TEXT"
            return Column(name: name, type: type)
        }
    }

    /// Creates the tables (or adds the columns a newer SQLite journal has) under one advisory lock, so replicas
    /// starting together do not race on `CREATE TABLE`; records the SQLite migrations applied.
    static func prepare(_ pg: PGConnection, from journal: Journal) throws -> [String: [Column]] {
        let (columns, migrations) = try journal.pool.read { db in
            (
                try Dictionary(uniqueKeysWithValues: tables.map { ($0.name, try Self.columns(of: $0.name, in: db)) }),
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
            )
        }
        try pg.transaction {
            try pg.exec("SELECT pg_advisory_xact_lock(7262348000)")
            for table in tables {
                let own = columns[table.name] ?? []
                var lines: [String] = []
                if table.hasID { lines.append("id BIGSERIAL PRIMARY KEY") }
                lines += ["replica TEXT NOT NULL", "local_id BIGINT NOT NULL"]
                lines += own.map { "\($0.name) \($0.type)" }
                lines.append(
                    table.hasID ? "UNIQUE (replica, local_id)" : "PRIMARY KEY (\(table.key.joined(separator: ", ")))")
                try pg.exec("CREATE TABLE IF NOT EXISTS \(table.name) (\(lines.joined(separator: ", ")))")
                for c in own { try pg.exec("ALTER TABLE \(table.name) ADD COLUMN IF NOT EXISTS \(c.name) \(c.type)") }
                if !table.hasID {
                    try pg.exec(
                        "CREATE INDEX IF NOT EXISTS \(table.name)_by_replica ON \(table.name) (replica, local_id)")
                }
            }
            try pg.exec("CREATE INDEX IF NOT EXISTS request_by_session ON request (session_id)")
            try pg.exec("CREATE INDEX IF NOT EXISTS rollout_by_endpoint ON rollout (endpoint, id)")
            try pg.exec("CREATE TABLE IF NOT EXISTS abtop_migrations (identifier TEXT PRIMARY KEY)")
            // Which spool each replica name ships from: rows are known by (replica, local_id), so a second spool
            // under a name (a lost disk, a copy) would be read as the first one's rows.
            try pg.exec(
                "CREATE TABLE IF NOT EXISTS abtop_replica (replica TEXT PRIMARY KEY, spool TEXT NOT NULL, "
                    + "since TIMESTAMPTZ NOT NULL DEFAULT now())")
            for m in migrations {
                try pg.exec("INSERT INTO abtop_migrations (identifier) VALUES ($1) ON CONFLICT DO NOTHING", [m])
            }
        }
        return columns
    }
}
