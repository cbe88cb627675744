import ABCore
import ABEngine
import ABReport
import ABStore
import ArgumentParser
import Foundation
import Synchronization

/// `--store PATH|postgres://…` / `--no-store`: where the journal lives (DESIGN §9). `ABTOP_STORE` is the default
/// when `--store` is not given, so a fleet's replicas and the commands reading their journal share one setting.
struct StoreOptions: ParsableArguments {
    @Option(
        help: """
            The journal: a SQLite file (default: $XDG_DATA_HOME/abtop/abtop.sqlite), or a PostgreSQL URL \
            postgres://user@host/db shared by a fleet of serve replicas (or set ABTOP_STORE).
            """)
    var store: String?

    @Flag(help: "Keep no journal for this run.")
    var noStore = false

    /// `--store`, else `ABTOP_STORE`.
    var chosen: String? {
        store ?? ProcessInfo.processInfo.environment["ABTOP_STORE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The PostgreSQL journal's URL, when the store is one.
    var postgresURL: String? { chosen.flatMap { PGConnection.isURL($0) ? $0 : nil } }

    /// The SQLite journal's path (for a PostgreSQL store: none, see `spool`).
    var path: String {
        (postgresURL == nil ? chosen : nil) ?? Journal.defaultPath(environment: ProcessInfo.processInfo.environment)
    }

    /// Where the journal is, for messages (a PostgreSQL URL without its password).
    var label: String { postgresURL.map(PGConnection.redacted) ?? path }

    /// Opens the journal; a failure is reported and the run goes on without one (nothing else is lost).
    func open() -> Journal? {
        guard !noStore else { return nil }
        if let url = postgresURL {
            Console.err(
                "abtop: the PostgreSQL journal (\(PGConnection.redacted(url))) is written by serve replicas; "
                    + "this run keeps its journal at \(path)")
        }
        do {
            return try Journal(path: path)
        } catch {
            Console.err("abtop: cannot open the journal at \(path): \(error); running without one")
            return nil
        }
    }

    /// The journal for a command that reads it: the SQLite file, or the sessions `scope` names copied from
    /// PostgreSQL into a temporary SQLite file (removed at exit). Exits with a message when there is none.
    func openForReading(_ scope: PostgresMirror.Scope) throws -> Journal {
        guard let url = postgresURL else {
            guard FileManager.default.fileExists(atPath: path) else {
                Console.err("abtop: no journal at \(path) yet: runs write one unless --no-store")
                throw ExitCode(1)
            }
            return try Journal(path: path)
        }
        if let password = URLComponents(string: url)?.password, !password.isEmpty {
            SecretRedactor.register(password)
        }
        let copy = TemporaryFiles.make(prefix: "abtop-pg-", suffix: ".sqlite")
        do {
            return try PostgresMirror.copy(url: url, scope: scope, to: copy)
        } catch {
            Console.err("abtop: cannot read the journal at \(label): \(error)")
            throw ExitCode(1)
        }
    }
}

/// Temporary files removed when the process exits (a PostgreSQL journal's copy read by one command).
enum TemporaryFiles {
    private static let paths = Mutex<[String]>([])
    private static let registered = Atomic<Bool>(false)

    static func make(prefix: String, suffix: String) -> String {
        let path = NSTemporaryDirectory() + "/" + prefix + UUID().uuidString + suffix
        paths.withLock { $0.append(path) }
        if !registered.exchange(true, ordering: .relaxed) {
            atexit { TemporaryFiles.removeAll() }
        }
        return path
    }

    static func removeAll() {
        for path in paths.withLock({ $0 }) {
            for end in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + end) }
        }
    }
}
