import ABCore
import ABEngine
import ABProviders
import ABStore
import ArgumentParser
import Foundation

/// `abtop promote`: the decided split as Databricks' endpoint config body, written out or applied.
struct Promote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the decided split as a Databricks endpoint config (PUT …/config), or apply it.",
        discussion: """
            The body is the config's served_entities exactly as written (keys stay {{secrets/…}} references; \
            nothing is resolved) with traffic_config set to the split, the abtop block left out. The split is \
            --weights, or --session's last split epoch, or else where the journal's rollout of this endpoint ended \
            (completed: the candidate's; rolled back or aborted: the baseline's). --to applies it with PUT \
            /api/2.0/serving-endpoints/{name}/config to a Databricks workspace or another abtop serve, the token \
            from $DATABRICKS_TOKEN or --token-file.
            """)

    @Argument(help: "The endpoint config file.")
    var config: String

    @Option(help: "The endpoint's name (default: the config's, else the file name).")
    var name: String?

    @Option(help: "The split by entity name, e.g. a=0,b=100.")
    var weights: String?

    @Option(help: "Promote the split this journaled session ended on.")
    var session: Int64?

    @OptionGroup var storage: StoreOptions

    @Option(help: "Apply it to this Databricks-compatible host (https://… or http://127.0.0.1:8080).")
    var to: String?

    @Option(help: "A file holding the token for --to (else $DATABRICKS_TOKEN).")
    var tokenFile: String?

    @Option(name: .shortAndLong, help: "Write the body to this file instead of stdout.")
    var output: String?

    func validate() throws {
        if weights != nil && session != nil { throw ValidationError("give --weights or --session, not both") }
        if let to, !EndpointConfigReader.isHTTPURL(to) { throw ValidationError("--to must be an http(s) URL") }
        if tokenFile != nil && to == nil { throw ValidationError("--token-file goes with --to") }
    }

    func run() async throws {
        let loaded: EndpointLoader.Loaded
        do {
            loaded = try EndpointLoader().load(path: config, name: name, secretsPath: nil)
        } catch let error as EndpointLoader.InputError {
            Console.err(error.description)
            throw ExitCode(1)
        }
        guard let endpoint = loaded.outcome.config else {
            for issue in loaded.outcome.issues.errors { Console.err(issue.description) }
            throw ExitCode(1)
        }
        let split = try decidedSplit(endpoint)
        let body: JSONValue
        switch EndpointPromotion.body(configText: loaded.text, weights: split) {
        case .success(let b): body = b
        case .failure(let issues):
            for issue in issues.errors { Console.err(issue.description) }
            throw ExitCode(1)
        }
        let text = body.rendered(pretty: true)
        if let to {
            try await apply(text, to: to, endpoint: endpoint.name)
        } else if let output {
            try (text + "\n").write(toFile: output, atomically: true, encoding: .utf8)
            Console.err("abtop: PUT /api/2.0/serving-endpoints/\(endpoint.name)/config body written to \(output)")
        } else {
            Console.out(text)
        }
    }

    /// The split to promote, by entity name.
    private func decidedSplit(_ endpoint: EndpointConfig) throws -> [String: Int] {
        let names = endpoint.servedEntities.map(\.name)
        if let weights {
            var out: [String: Int] = [:]
            for part in weights.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2, let n = Int(pair[1]) else {
                    throw ValidationError(
                        "--weights: expected name=percentage pairs, found \(Excerpt.of(String(part)))")
                }
                out[pair[0]] = n
            }
            return out
        }
        if storage.postgresURL == nil, !FileManager.default.fileExists(atPath: storage.path) {
            Console.err("abtop: no journal at \(storage.path): give the split with --weights")
            throw ExitCode(1)
        }
        let journal = try storage.openForReading(session.map { .sessions([$0]) } ?? .rollouts)
        if let session {
            guard let stored = try journal.session(session), let last = stored.epochs.last else {
                Console.err("abtop: no session \(session) in \(storage.label) (see abtop sessions)")
                throw ExitCode(1)
            }
            guard stored.entities.map(\.name) == names else {
                Console.err("abtop: session \(session) served \(stored.entities.map(\.name)), the config \(names)")
                throw ExitCode(1)
            }
            return Dictionary(uniqueKeysWithValues: zip(names, last.weights.percentages))
        }
        guard let rollout = try journal.latestRollout(endpoint: endpoint.name) else {
            Console.err(
                "abtop: the journal has no rollout of \(endpoint.name): give the split with --weights or --session")
            throw ExitCode(1)
        }
        guard rollout.phase.isOver else {
            Console.err(
                "abtop: \(endpoint.name)'s rollout is still \(rollout.phase.rawValue) at \(rollout.percentage) %: "
                    + "nothing is decided yet (or give --weights)")
            throw ExitCode(1)
        }
        guard let b = endpoint.entityIndex(named: rollout.plan.baseline),
            let c = endpoint.entityIndex(named: rollout.plan.candidate)
        else {
            Console.err("abtop: the rollout's entities are not all in \(config)")
            throw ExitCode(1)
        }
        let w = rollout.weights(endpoint.weights, baseline: b, candidate: c)
        Console.err(
            "abtop: the rollout of \(rollout.plan.candidate) over \(rollout.plan.baseline) ended "
                + "\(rollout.phase.rawValue): promoting \(w)")
        return Dictionary(uniqueKeysWithValues: zip(names, w.percentages))
    }

    /// `PUT {to}/api/2.0/serving-endpoints/{name}/config`.
    private func apply(_ body: String, to: String, endpoint: String) async throws {
        var token = ProcessInfo.processInfo.environment["DATABRICKS_TOKEN"]
        if let tokenFile {
            token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
        }
        var headers: [(name: String, value: HTTPRequestSpec.HeaderValue)] = [
            ("Content-Type", .plain("application/json")), ("Accept", .plain("application/json")),
        ]
        if let token, !token.isEmpty {
            headers.append(("Authorization", .secret(prefix: "Bearer ", SecretValue(token))))
        }
        var base = to
        while base.hasSuffix("/") { base.removeLast() }
        // A token goes over TLS, or to this machine: plain http elsewhere would hand it to the network.
        if let token, !token.isEmpty, base.lowercased().hasPrefix("http://") {
            let host = base.dropFirst("http://".count).prefix { $0 != "/" && $0 != ":" }.lowercased()
            guard ["127.0.0.1", "localhost", "[::1]"].contains(host) || base.lowercased().hasPrefix("http://[::1]")
            else {
                Console.err("abtop: a token goes to \(host) only over https (or to this machine over http)")
                throw ExitCode(1)
            }
        }
        let target = base + "/api/2.0/serving-endpoints/\(endpoint)/config"
        let transport = CurlTransport(loops: 1)
        defer { transport.shutdown() }
        let sink = CollectingSink()
        let t = await transport.perform(
            HTTPRequestSpec(method: "PUT", url: target, headers: headers, body: Array(body.utf8)),
            timeouts: TransportTimeouts(connect: 5, firstByte: 60, total: 120), sink: sink, start: nil)
        let answer = String(decoding: sink.body, as: UTF8.self)
        if let failure = t.failure {
            Console.err("abtop: \(target): \(failure)")
            throw ExitCode(1)
        }
        guard t.status == 200 else {
            Console.err(
                "abtop: \(target) answered \(t.status ?? 0): \(TerminalText.sanitized(String(answer.prefix(500))))")
            throw ExitCode(1)
        }
        Console.err("abtop: \(endpoint)'s config updated at \(base)")
        Console.out(TerminalText.sanitized(answer))
    }
}
