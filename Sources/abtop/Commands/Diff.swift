import ABCore
import ABEngine
import ABReport
import ABStore
import ArgumentParser
import Foundation

/// `abtop diff A B`: two journaled sessions compared metric by metric, and the prompts that got worse.
struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two sessions: differences with always-valid intervals, and the prompts that got worse.",
        discussion: """
            For each entity both sessions ran (by name), B's requests against A's: error rate, p50 and p95 latency, \
            TTFT, cost and checks passed, with the intervals of the verdicts, and each prompt whose outcome got \
            worse (an error where it answered, a check that passed now failing). Session ids come from `abtop \
            sessions`. With --judge CONFIG, the LLM judge that config's abtop.judge names reads each prompt both \
            sessions answered, A's and B's answers in both orders: a prompt whose old answer it preferred got worse.
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

    @Option(help: "A config whose abtop.judge judges A's answers against B's (its key looked up as for run).")
    var judge: String?

    @Option(help: "A secrets file for --judge's config.")
    var secrets: String?

    @Option(help: "The most prompts the judge reads (each costs two calls).")
    var judgeLimit = 100

    func validate() throws {
        if storage.noStore { throw ValidationError("--no-store keeps no journal: diff reads the journal's sessions") }
        if judge == nil, secrets != nil { throw ValidationError("--secrets goes with --judge") }
        guard (1...100_000).contains(judgeLimit) else { throw ValidationError("--judge-limit must be 1 to 100000") }
        guard alpha.finite(in: 0.000001...0.5) != nil else {
            throw ValidationError("--alpha must be from 0.000001 to 0.5")
        }
    }

    func run() async throws {
        let journal = try storage.openForReading(.sessions([a, b]))
        func load(_ id: Int64) throws -> StoredSession {
            guard let s = try journal.session(id) else {
                Console.err("abtop: no session \(id) in \(storage.label) (see abtop sessions)")
                throw ExitCode(1)
            }
            return s
        }
        let (sa, sb) = (try load(a), try load(b))
        let (la, lb) = ("session \(a)", "session \(b)")
        let (da, db) = (
            SessionDiff.Side(label: la, entities: sa.entities, records: sa.records),
            SessionDiff.Side(label: lb, entities: sb.entities, records: sb.records)
        )
        var entities = SessionDiff.compare(da, db, settings: VerdictAnalysis.Settings(alpha: alpha))
        var model: String?
        if let judge {
            let (judgements, name) = try await Self.judged(
                SessionDiff.judgePairs(da, db, limit: judgeLimit), config: judge, secrets: secrets)
            model = name
            for i in entities.indices {
                entities[i].add(
                    judgements: judgements.filter { $0.entity == entities[i].name }.map(\.judgement), labels: (la, lb))
            }
        }
        var report = DiffReport(
            a: .init(label: la, snapshot: sa.replay().snapshot), b: .init(label: lb, snapshot: sb.replay().snapshot),
            entities: entities, alpha: alpha)
        report.judgeModel = model
        Console.out(json ? report.json().rendered(pretty: true) : report.text())
    }

    /// Sends each pair to the judge `config` names (two at a time), A's answer first: the judge's verdicts, by
    /// entity, and the judge's model.
    static func judged(_ pairs: [SessionDiff.JudgePair], config path: String, secrets: String?) async throws
        -> (judgements: [(entity: String, judgement: Judgement)], model: String)
    {
        let loaded: EndpointLoader.Loaded
        do {
            loaded = try EndpointLoader().load(path: path, name: nil, secretsPath: secrets)
        } catch let error as EndpointLoader.InputError {
            Console.err(error.description)
            throw ExitCode(1)
        }
        var issues = loaded.outcome.issues
        issues.append(contentsOf: EndpointConfig.credentialIssues(loaded.resolved, severity: .error))
        guard let config = loaded.outcome.config, !issues.hasErrors else {
            for issue in issues.errors { Console.err(issue.description) }
            throw ExitCode(1)
        }
        guard let settings = config.settings.judge, let judging = config.judging() else {
            Console.err("abtop: \(path) has no abtop.judge: --judge needs a config that names a judge")
            throw ExitCode(1)
        }
        let lease = try loaded.resolved.holdSecrets()
        defer { lease.release() }
        let transport = CurlTransport()
        defer { transport.shutdown() }
        let seed = config.settings.seed ?? 26
        let runner = JudgeRunner(
            settings: settings,
            engine: Engine(
                session: Session(endpoint: judging, mode: .split), resolved: loaded.resolved, transport: transport,
                seed: seed),
            seed: seed)
        Console.err(
            "abtop: the judge (\(settings.entity.model)) reads \(pairs.count) prompt\(pairs.count == 1 ? "" : "s")")
        let judgements = await withTaskGroup(of: (Int, Judgement).self) { group in
            var results: [(Int, Judgement)] = []
            var next = 0
            func add(_ i: Int) {
                let p = pairs[i]
                var stub = Judgement(group: nil, promptID: p.promptID, first: 0, second: 1)
                stub.prompt = p.prompt
                group.addTask { (i, await runner.judge(stub, a: p.a, b: p.b, prompt: p.prompt)) }
            }
            while next < min(2, pairs.count) {
                add(next)
                next += 1
            }
            for await done in group {
                results.append(done)
                if next < pairs.count {
                    add(next)
                    next += 1
                }
            }
            return results.sorted { $0.0 < $1.0 }.map { (entity: pairs[$0.0].entity, judgement: $0.1) }
        }
        return (judgements, settings.entity.model)
    }
}
