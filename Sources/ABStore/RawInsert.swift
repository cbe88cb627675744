import GRDB
import GRDBSQLite

/// Runs a prepared INSERT with values bound straight through SQLite's C API. The journal writes a row per
/// request at thousands a second; building GRDB's `StatementArguments` for every row (each value boxed) cost as
/// much as SQLite's own work. The statement still comes from GRDB (`cachedStatement`) and runs inside GRDB's
/// write transaction; only the binding and stepping are done here. The only file that imports GRDBSQLite.
struct RawInsert {
    enum Value {
        case int(Int64)
        case double(Double)
        case text(String)
        case null
    }

    let statement: Statement

    /// Binds `values` to parameters 1…n and runs the statement once.
    func run(_ values: [Value], in db: Database) throws {
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let code: Int32 =
                switch value {
                case .int(let n): sqlite3_bind_int64(s, index, n)
                case .double(let x): sqlite3_bind_double(s, index, x)
                case .text(let t): Self.bind(t, to: s, at: index)
                case .null: sqlite3_bind_null(s, index)
                }
            guard code == SQLITE_OK else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
            }
        }
        let code = sqlite3_step(s)
        sqlite3_reset(s)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
        }
    }

    /// Binds text by its byte count (a NUL inside the text is kept); an empty string stays an empty string, not NULL.
    private static func bind(_ text: String, to s: OpaquePointer, at index: Int32) -> Int32 {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress, bytes.count > 0 else {
                return sqlite3_bind_text(s, index, "", 0, transient)
            }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text(s, index, $0, Int32(bytes.count), transient)
            }
        }
    }

    /// SQLITE_TRANSIENT: SQLite copies the text before the call returns (the C macro does not import).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

extension RawInsert.Value {
    static func int(_ n: Int?) -> Self { n.map { .int(Int64($0)) } ?? .null }
    static func int(_ n: Int64?) -> Self { n.map { .int($0) } ?? .null }
    static func bool(_ b: Bool) -> Self { .int(b ? 1 : 0) }
    static func double(_ x: Double?) -> Self { x.map { .double($0) } ?? .null }
    static func text(_ t: String?) -> Self { t.map { .text($0) } ?? .null }
}
