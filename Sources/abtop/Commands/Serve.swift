import ABCore
import ABEngine
import ABFleet
import ABReport
import ABServer
import ABStore
import ABTUI
import ArgumentParser
import Foundation
import Logging

/// `abtop serve [CONFIG]`: a local multi-model serving endpoint that speaks the Databricks serving-endpoints API
/// and OpenAI's chat API, with the dashboard watching the split live.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve endpoints locally: Databricks serving-endpoints REST API, OpenAI chat API, /metrics.",
        discussion: """
            With CONFIG the endpoint exists from the start; without, create endpoints over the API \
            (mlflow.deployments.get_deploy_client("databricks") with DATABRICKS_HOST=http://HOST:PORT, or \
            databricks-sdk, or POST /api/2.0/serving-endpoints).

            Chat: POST /serving-endpoints/NAME/invocations, or POST /v1/chat/completions with "model": NAME, or \
            POST /v1/messages. Sticky routing: header x-abtop-session.

            --simulate answers every served entity with the embedded simulated providers (no keys, no network).
            """
    )

    @Argument(help: "An endpoint config to serve from the start (Databricks create payload or bare config).")
    var config: String?

    @Option(help: "The address to bind; anything but loopback needs --token.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port).")
    var port = 8080

    @Option(help: "Require Authorization: Bearer TOKEN on every request (or set ABTOP_SERVE_TOKEN).")
    var token: String?

    /// `--token`, else `ABTOP_SERVE_TOKEN` (kept out of the process list).
    var bearerToken: String? {
        token ?? ProcessInfo.processInfo.environment["ABTOP_SERVE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    @Option(
        name: .customLong("allow-origin"),
        help: """
            A browser origin allowed to call serve (e.g. http://localhost:3000; repeat for more; * for any). \
            Without it, requests carrying another Origin are refused.
            """
    )
    var allowOrigin: [String] = []

    @Option(help: "The largest request body accepted, in bytes (larger: 413 before parsing).")
    var maxBodyBytes = HTTPLimits().maxBodyBytes

    @Option(help: "Connections served at once (more wait until one closes).")
    var maxConnections = HTTPLimits().maxConnections

    @Option(help: "Seconds a connection may sit idle, or take to send a request's headers, before it is closed.")
    var idleTimeout = HTTPLimits().idleTimeout

    @Option(
        help: """
            Seconds a client may leave its answer unread (serve's buffers for it full) before its connection is \
            closed and its request cancelled (default: the idle timeout, at most 30).
            """)
    var writeTimeout: Double?

    @Option(help: "Endpoints served at once (a create past it: 400 RESOURCE_LIMIT_EXCEEDED).")
    var maxEndpoints = ServingRegistry.defaultMaxEndpoints

    @OptionGroup var configFile: ConfigFileOptions

    @Flag(help: "Answer every served entity with the embedded simulated providers: no keys, no network.")
    var simulate = false

    @Option(help: "With --simulate: a built-in mock profile or a profile JSON file (see abtop mock-server --help).")
    var profile: String?

    @Flag(help: "No dashboard: serve until SIGINT / SIGTERM, then print each endpoint's summary.")
    var headless = false

    @Flag(help: "With --headless: no progress lines on stderr.")
    var quiet = false

    @Option(help: "Seed for the routers and the simulated providers (default: random).")
    var seed: UInt64?

    @OptionGroup var dashboard: DashboardOptions

    @OptionGroup var storage: StoreOptions

    @Option(
        help: """
            Join a fleet of serve replicas sharing configs, splits and rate limits through Redis: \
            redis://[:password@]host[:port][/db] (or set ABTOP_FLEET). See docs/DEPLOY.md.
            """)
    var fleet: String?

    @Option(
        help: """
            This replica's name in the fleet and in the PostgreSQL journal, stable across restarts \
            (default: HOSTNAME-PORT).
            """)
    var replica: String?

    @Option(
        help: """
            With --store postgres://…: the local SQLite file rows wait in until PostgreSQL has them \
            (default: spool-REPLICA.sqlite beside the default journal).
            """)
    var spool: String?

    @Option(help: "With --store postgres://…: how many requests PostgreSQL has the spool still keeps.")
    var spoolKeep = 100_000

    @OptionGroup var analysis: AnalysisOptions

    /// `--fleet`, else `ABTOP_FLEET`.
    var fleetURL: String? {
        fleet ?? ProcessInfo.processInfo.environment["ABTOP_FLEET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `--replica`, else this host's name and the port.
    var replicaName: String {
        replica ?? "\(ProcessInfo.processInfo.hostName)-\(port)"
    }

    /// Where a PostgreSQL journal's rows wait.
    var spoolPath: String {
        spool
            ?? (Journal.defaultPath(environment: ProcessInfo.processInfo.environment) as NSString)
            .deletingLastPathComponent + "/spool-\(replicaName.replacingOccurrences(of: ":", with: "_")).sqlite"
    }

    func validate() throws {
        if !Self.isLoopback(host), bearerToken == nil {
            throw ValidationError(
                "binding \(host) exposes the endpoint beyond this machine: "
                    + "give --token TOKEN (clients send Authorization: Bearer TOKEN), or bind 127.0.0.1"
            )
        }
        if let token, token.isEmpty { throw ValidationError("--token must not be empty") }
        if profile != nil, !simulate {
            throw ValidationError("--profile shapes the simulated providers: add --simulate")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard (1024...(1 << 30)).contains(maxBodyBytes) else {
            throw ValidationError("--max-body-bytes must be 1024…1073741824")
        }
        guard (1...100_000).contains(maxConnections) else {
            throw ValidationError("--max-connections must be 1…100000")
        }
        if let writeTimeout, writeTimeout.finite(in: 0.1...86_400) == nil {
            throw ValidationError("--write-timeout must be 0.1…86400 seconds")
        }
        guard (1...10_000).contains(maxEndpoints) else {
            throw ValidationError("--max-endpoints must be 1…10000")
        }
        guard idleTimeout.finite(in: 0.1...86_400) != nil else {
            throw ValidationError("--idle-timeout must be 0.1…86400 seconds")
        }
        if let replica {
            guard (1...100).contains(replica.utf8.count),
                replica.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._:-".contains($0)) })
            else { throw ValidationError("--replica must be 1 to 100 letters, digits, '.', '_', ':' or '-'") }
        }
        if let fleetURL, case .failure(let why) = RedisAddress.parse(fleetURL) {
            throw ValidationError("--fleet: \(why)")
        }
        if storage.postgresURL != nil || fleetURL != nil, replica == nil, port == 0 {
            throw ValidationError(
                "a fleet replica needs a name that survives restarts: give --replica NAME (the port is 0)")
        }
        if storage.postgresURL != nil, storage.noStore {
            throw ValidationError("--no-store keeps no journal: leave out --store postgres://…")
        }
        if spool != nil, storage.postgresURL == nil {
            throw ValidationError("--spool goes with --store postgres://…")
        }
        guard (100...100_000_000).contains(spoolKeep) else {
            throw ValidationError("--spool-keep must be 100…100000000")
        }
        for origin in allowOrigin where origin != "*" && !(origin.hasPrefix("http://") || origin.hasPrefix("https://"))
        {
            throw ValidationError(
                "--allow-origin takes an origin such as http://localhost:3000 (scheme, host, port), "
                    + "or *; found \(origin)"
            )
        }
    }

    static func isLoopback(_ host: String) -> Bool { Loopback.isLoopback(host) }

    var limits: HTTPLimits {
        HTTPLimits(
            maxBodyBytes: maxBodyBytes, maxConnections: maxConnections, idleTimeout: idleTimeout,
            bodyTimeout: min(30, idleTimeout), writeTimeout: writeTimeout ?? min(30, idleTimeout))
    }

    func run() async throws {
        if !headless, let problem = Dashboard.terminalProblem {
            Console.err("abtop serve: \(problem)")
            throw ExitCode(2)
        }
        let seed = seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        let environment = ProcessInfo.processInfo.environment
        let payload = try config.map(loadPayload)
        var resolver = SecretResolver(environment: environment)
        if let secrets = configFile.secrets {
            do {
                resolver = try EndpointLoader(environment: environment).resolver(secretsPath: secrets)
            } catch let error as EndpointLoader.InputError {
                Console.err(error.description)
                throw ExitCode(1)
            }
        }

        var mock: MockServer.Running?
        if simulate {
            let profiles = try MockServerCommand.loadProfiles(profile)
            mock = try await MockServer.start(.init(profiles: profiles, seed: seed))
        }
        if fleetURL != nil, let object = payload?.objectValue, let problem = FleetLink.plaintextProblem(object) {
            Console.err("\(config!): \(problem)")
            throw ExitCode(1)
        }
        let (journal, shipper) = try openJournal()
        let redis = fleetURL.flatMap { try? RedisAddress.parse($0).get() }.map { RedisPool($0) }
        if let password = redis?.address.password { SecretRedactor.register(password) }
        let fleetStats = redis.map { FleetStats(pool: $0, replica: replicaName) }
        let transport = CurlTransport()
        var factory = ServeRuntimeFactory(
            simulated: mock.map(\.anthropicBaseURL),
            resolver: resolver, journal: journal, transport: transport, seed: seed,
            analysis: analysis.settings(streaming: true, paired: false))
        factory.durable = shipper != nil
        factory.fleetStats = fleetStats
        let rolloutSlot = redis.map { _ in FleetRollouts.Slot() }
        factory.fleetRollouts = rolloutSlot
        let registry = ServingRegistry(factory: factory, maxEndpoints: maxEndpoints)
        if let shipper { registry.addMetrics { shipper.metrics } }
        if let fleetStats { registry.addMetrics { fleetStats.metrics } }
        if let payload {
            do {
                _ = try registry.create(payload)
            } catch {
                Console.err("\(config!): \(error.message)")
                await mock?.stop()
                transport.shutdown()
                throw ExitCode(1)
            }
        }

        var link: FleetLink?
        if let redis {
            link = FleetLink(pool: redis, replica: replicaName) { Console.err($0) }
            await link!.start(registry)
        }
        let rollouts = link.map { FleetRollouts(link: $0, registry: registry) }
        if let rollouts {
            rolloutSlot?.fill(rollouts)
            rollouts.start()
        }

        let server: RunningServer
        do {
            if let bearerToken { SecretRedactor.register(bearerToken) }
            server = try await ServingServer.start(
                .init(
                    host: host, port: port, token: bearerToken,
                    allowedOrigins: allowOrigin, limits: limits), registry: registry,
                stopOnSignals: headless, executors: transport.executors)
        } catch {
            Console.err("abtop serve: \(error)")
            await registry.closeAll()
            await mock?.stop()
            transport.shutdown()
            throw ExitCode(1)
        }
        let address = "http://\(host.contains(":") ? "[\(host)]" : host):\(server.port)"
        Console.out(banner(address: address, endpoints: registry.endpoints.map(\.name)))

        if headless {
            let progress = quiet ? nil : Task { await Self.reportProgress(registry) }
            await server.wait()
            progress?.cancel()
        } else {
            LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
            await Dashboard.run(model: ServeModel(registry: registry, address: address), options: dashboard.resolve())
            await server.stop()
        }
        let runtimes = registry.endpoints.compactMap(\.serve)
        for runtime in runtimes { Console.out(runtime.host.summary(label: "serve").text()) }
        link?.stop()
        rollouts?.stop()
        await registry.closeAll()
        fleetStats?.stop()
        transport.shutdown()
        await mock?.stop()
        if let shipper, !shipper.finish(within: 15) {
            Console.err(
                "abtop serve: journal: PostgreSQL has not taken every row yet; they wait in \(spoolPath) and are "
                    + "shipped when serve starts again as --replica \(replicaName)")
        }
        // Closed now, so each writer's status is final: a journal that lost rows fails the run, as in `run`.
        let losses = runtimes.compactMap { r in
            r.host.recording.flatMap {
                JournalRecording.lossReport($0.status, path: storage.postgresURL == nil ? storage.path : spoolPath)
            }
        }
        for line in losses { Console.err(line) }
        if !losses.isEmpty { throw ExitCode(1) }
    }

    /// The journal: SQLite as always, or with `--store postgres://…` the replica's spool and the thread shipping
    /// it to PostgreSQL. A replica name another live process holds is refused before anything is served.
    private func openJournal() throws -> (Journal?, PostgresShipper?) {
        guard let url = storage.postgresURL else { return (storage.open(), nil) }
        if let password = URLComponents(string: url)?.password, !password.isEmpty { SecretRedactor.register(password) }
        if let problem = PostgresShipper.nameInUse(url: url, replica: replicaName) {
            Console.err("abtop serve: \(problem)")
            throw ExitCode(1)
        }
        let journal: Journal
        do {
            journal = try Journal(path: spoolPath)
        } catch {
            Console.err("abtop serve: cannot open the spool at \(spoolPath): \(error)")
            throw ExitCode(1)
        }
        let shipper = PostgresShipper(url: url, replica: replicaName, journal: journal, keep: spoolKeep) {
            Console.err($0)
        }
        shipper.start()
        return (journal, shipper)
    }

    /// Every 10 s, a line on stderr for each endpoint that served something since the last one.
    static func reportProgress(_ registry: ServingRegistry) async {
        var last: [String: Int] = [:]
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(10))
            for endpoint in registry.endpoints {
                guard let runtime = endpoint.serve else { continue }
                let s = runtime.engine.session.snapshot()
                guard s.totalRequests != last[endpoint.name] else { continue }
                last[endpoint.name] = s.totalRequests
                let split = s.epoch.weights.percentages.map(String.init).joined(separator: "/")
                Console.err(
                    "[\(Format.fixed(s.time, 0)) s] \(endpoint.name): \(RunSetup.progressCounts(s)), split \(split)")
            }
        }
    }

    private func banner(address: String, endpoints: [String]) -> String {
        var lines = ["abtop serve listening on \(address)\(simulate ? " (simulated providers)" : "")"]
        let endpointList =
            endpoints.isEmpty ? "none yet (POST /api/2.0/serving-endpoints)" : endpoints.joined(separator: ", ")
        lines.append("  endpoints: \(endpointList)")
        let tokenHint = bearerToken == nil ? "<anything>" : "<your token>"
        lines.append("  MLflow / databricks-sdk: DATABRICKS_HOST=\(address) DATABRICKS_TOKEN=\(tokenHint)")
        lines.append("  OpenAI SDK:              OPENAI_BASE_URL=\(address)/v1  model=<endpoint name>")
        lines.append("  Prometheus:              \(address)/metrics")
        return lines.joined(separator: "\n")
    }

    /// The config file as a create payload: a bare config is wrapped with its name (`--name` or the file name).
    private func loadPayload(_ path: String) throws -> JSONValue {
        let loaded: EndpointLoader.Loaded
        do {
            loaded = try EndpointLoader().load(path: path, name: configFile.name, secretsPath: nil)
        } catch let error as EndpointLoader.InputError {
            Console.err(error.description)
            throw ExitCode(1)
        }
        guard let payload = Self.payload(loaded) else {
            for issue in loaded.outcome.issues.errors { Console.err(issue.description) }
            Console.err("\n\(path): \(loaded.outcome.issues.errors.count) errors; nothing is served")
            throw ExitCode(1)
        }
        return payload
    }

    /// A config file as loaded, as the registry takes it: the payload form (a bare config wrapped with its name),
    /// and a judge's rubric file as its text. Nil when the config did not read.
    static func payload(_ loaded: EndpointLoader.Loaded) -> JSONValue? {
        guard loaded.outcome.config != nil, let root = try? JSONParser.parse(loaded.text), var object = root.objectValue
        else { return nil }
        // A rubric file is read here, beside the config; the registry (which also takes configs over HTTP, where
        // no file may be named) gets its text.
        if let rubric = loaded.outcome.config?.settings.judge?.rubric, var abtop = object["abtop"]?.objectValue,
            var judge = abtop["judge"]?.objectValue, judge["rubric_file"] != nil
        {
            judge["rubric_file"] = nil
            judge["rubric"] = .string(rubric)
            abtop["judge"] = .object(judge)
            object["abtop"] = .object(abtop)
        }
        if object["config"] == nil {
            var bare = object
            bare["abtop"] = nil
            var payload = JSONObject(["name": .string(loaded.outcome.config!.name), "config": .object(bare)])
            if let abtop = object["abtop"] { payload["abtop"] = abtop }
            object = payload
        }
        return .object(object)
    }
}
