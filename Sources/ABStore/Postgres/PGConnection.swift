import ABCore
import CLibpq
import Foundation

/// One blocking connection to PostgreSQL over libpq (Debian's `libpq-dev`), used by one thread at a time: the
/// journal's shipping thread, or a command reading the journal. Every statement is parameterised (values travel
/// apart from the SQL, in text form), so nothing read from a spool or a config can change what a statement does.
public final class PGConnection {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        /// PostgreSQL's SQLSTATE, when the server answered with an error.
        public let state: String?
        /// The connection itself failed (unreachable, dropped): dial again later.
        public let connectionLost: Bool
    }

    private let conn: OpaquePointer
    /// Where it connects, without the password (for messages).
    public let address: String

    /// Connects to a `postgres://` or `postgresql://` URL within `timeout` seconds.
    public init(url: String, timeout: Int = 5) throws {
        // A URL that does not read as one (a password with a bare %) is refused here: libpq's message about it
        // would quote it, password and all.
        guard let components = URLComponents(string: url), components.host != nil else {
            throw Failure(
                description: "the PostgreSQL address must be postgres://user[:password]@host[:port]/database, with "
                    + "reserved characters percent-encoded", state: nil, connectionLost: false)
        }
        if let password = components.password, !password.isEmpty {
            SecretRedactor.register(password.removingPercentEncoding ?? password)
            SecretRedactor.register(password)
        }
        address = Self.redacted(url)
        var options = url.contains("?") ? "&" : "?"
        if !url.contains("connect_timeout=") { options += "connect_timeout=\(timeout)&" }
        // A client that names itself shows up in pg_stat_activity.
        if !url.contains("application_name=") { options += "application_name=abtop" }
        guard let c = PQconnectdb(url + options) else {
            throw Failure(
                description: "cannot reach PostgreSQL at \(address): out of memory", state: nil,
                connectionLost: true)
        }
        // Checked before `conn` is set: once every property is set, a throw runs `deinit`, which finishes it too.
        guard PQstatus(c) == CONNECTION_OK else {
            let why = Self.message(PQerrorMessage(c))
            PQfinish(c)
            throw Failure(
                description: "cannot reach PostgreSQL at \(address): \(why)", state: nil, connectionLost: true)
        }
        conn = c
        _ = try exec("SET client_min_messages TO warning")
    }

    deinit { PQfinish(conn) }

    /// Whether the connection is still good (false once the server went away).
    public var isOK: Bool { PQstatus(conn) == CONNECTION_OK }

    /// Runs one statement with text parameters (nil: NULL); the rows it returns, each value as text or nil.
    @discardableResult
    public func exec(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
        let storage = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for p in storage { free(p) } }
        var pointers: [UnsafePointer<CChar>?] = storage.map { $0.map { UnsafePointer($0) } }
        let result = pointers.withUnsafeMutableBufferPointer { values in
            PQexecParams(conn, sql, Int32(parameters.count), nil, values.baseAddress, nil, nil, 0)
        }
        guard let result else {
            throw Failure(
                description: "PostgreSQL at \(address): \(Self.message(PQerrorMessage(conn)))", state: nil,
                connectionLost: !isOK)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            throw Failure(
                description: "PostgreSQL at \(address): \(Self.message(PQresultErrorMessage(result)))", state: state,
                connectionLost: !isOK)
        }
        let rows = Int(PQntuples(result))
        let columns = Int(PQnfields(result))
        return (0..<rows).map { r in
            (0..<columns).map { c in
                PQgetisnull(result, Int32(r), Int32(c)) != 0
                    ? nil : String(cString: PQgetvalue(result, Int32(r), Int32(c)))
            }
        }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try exec("BEGIN")
        do {
            let value = try body()
            try exec("COMMIT")
            return value
        } catch {
            if isOK { _ = try? exec("ROLLBACK") }
            throw error
        }
    }

    /// libpq's message on one line, with every registered secret (the URL's password among them) redacted.
    private static func message(_ text: UnsafeMutablePointer<CChar>?) -> String {
        guard let text else { return "unknown error" }
        let lines = SecretRedactor.redact(String(cString: text)).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return lines.isEmpty ? "unknown error" : lines.joined(separator: " ")
    }

    /// The URL without its password: `postgres://user:secret@host/db` → `postgres://user@host/db`.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "postgres://(unreadable address)" }
        if components.password != nil { components.password = nil }
        components.query = nil
        return components.string ?? "postgres://(unreadable address)"
    }

    /// Whether `store` names a PostgreSQL journal rather than a SQLite file.
    public static func isURL(_ store: String) -> Bool {
        store.hasPrefix("postgres://") || store.hasPrefix("postgresql://")
    }
}
