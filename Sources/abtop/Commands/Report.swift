import ABCore
import ABReport
import ABStore
import ArgumentParser
import Foundation

/// `abtop report`: a comparison report of one session, from the journal.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a comparison report of a session from the journal (works after a crash, for any session).")

    @Argument(help: "The session id (see abtop sessions).")
    var session: Int64?

    @Flag(help: "The newest session.")
    var last = false

    @Option(help: "\(ReportFormat.formatHelp); default: the --output file's extension, else md.")
    var format: ReportFormat?

    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of stdout.")
    var output: String?

    @OptionGroup var storage: StoreOptions

    func validate() throws {
        if session != nil && last { throw ValidationError("give a session id or --last, not both") }
        if session == nil && !last { throw ValidationError("give a session id or --last") }
    }

    func run() throws {
        let journal = try storage.openForReading(session.map { .sessions([$0]) } ?? .latest)
        guard let id = try session ?? journal.lastSessionID(), let stored = try journal.session(id) else {
            Console.err("abtop: no such session in \(storage.label)")
            throw ExitCode(1)
        }
        // `-o x.html` writes HTML, as `run --report x.html` does: the extension says the format unless one is given.
        let format = format ?? output.map(ReportFormat.init(forPath:)) ?? .md
        let text = format.render(ReportBuilder.report(stored))
        if let output {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
            Console.err("abtop: wrote \(output)")
        } else {
            Console.raw(text, to: .standardOutput)
        }
    }
}
