import ABCore
import ABReport
import ABStore
import ArgumentParser
import Foundation

/// `abtop sessions`: the sessions in the journal.
struct Sessions: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the sessions in the journal.")

    @OptionGroup var storage: StoreOptions

    func validate() throws {
        if storage.noStore {
            throw ValidationError("--no-store keeps no journal: sessions lists the journal's sessions")
        }
    }

    func run() throws {
        let journal = try storage.openForReading(.listing)
        var table = TextTable([
            ("ID", .right), ("ENDPOINT", .left), ("MODE", .left), ("STARTED", .left),
            ("DURATION", .right), ("REQUESTS", .right),
        ])
        let formatter = ISO8601DateFormatter()
        for s in try journal.sessions() {
            table.add([
                String(s.id), s.endpoint,
                // A session whose dashboard switched modes (c) says both.
                s.modes,
                formatter.string(from: s.startedAt),
                "\(Format.fixed(s.duration, 1)) s\(s.endedAt == nil ? " (unfinished)" : "")", Format.count(s.requests),
            ])
        }
        Console.out(table.rendered())
    }
}
