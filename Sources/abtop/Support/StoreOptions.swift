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
