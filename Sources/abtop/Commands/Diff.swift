import ABCore
import ABReport
import ABStore
import ArgumentParser
import Foundation

/// `abtop diff A B`: two journaled sessions compared metric by metric, and the prompts that got worse.
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two sessions: differences with always-valid intervals, and the prompts that got worse.",
        discussion: """
            For each entity both sessions ran (by name), B's requests against A's: error rate, p50 and p95 latency, \
            TTFT, cost and checks passed, with the intervals of the verdicts, and each prompt whose outcome got \
            worse (an error where it answered, a check that passed now failing). Session ids come from `abtop \
            sessions`.
            """)

    @Argument(help: "The earlier session (the baseline).")
    var a: Int64

    @Argument(help: "The later session.")
    var b: Int64

    @Flag(help: "Write JSON instead of text.")
    var json = false

    @Option(help: "Family-wise error rate of the comparisons.")
    var alpha: Double = 0.05

    @OptionGroup var storage: StoreOptions

    func validate() throws {
        if storage.noStore { throw ValidationError("--no-store keeps no journal: diff reads the journal's sessions") }
        guard alpha.finite(in: 0.000001...0.5) != nil else {
            throw ValidationError("--alpha must be from 0.000001 to 0.5")
        }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: storage.path) else {
            Console.err("abtop: no journal at \(storage.path) yet: runs write one unless --no-store")
            throw ExitCode(1)
        }
        let journal = try Journal(path: storage.path)
        func load(_ id: Int64) throws -> StoredSession {
            guard let s = try journal.session(id) else {
                Console.err("abtop: no session \(id) in \(storage.path) (see abtop sessions)")
                throw ExitCode(1)
            }
            return s
        }
        let (sa, sb) = (try load(a), try load(b))
        let (la, lb) = ("session \(a)", "session \(b)")
        let entities = SessionDiff.compare(
            .init(label: la, entities: sa.entities, records: sa.records),
            .init(label: lb, entities: sb.entities, records: sb.records),
            settings: VerdictAnalysis.Settings(alpha: alpha))
        let report = DiffReport(
            a: .init(label: la, snapshot: sa.replay().snapshot), b: .init(label: lb, snapshot: sb.replay().snapshot),
            entities: entities, alpha: alpha)
        Console.out(json ? report.json().rendered(pretty: true) : report.text())
    }
}
