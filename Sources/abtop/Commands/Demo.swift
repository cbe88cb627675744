import ABCore
import ABEngine
import ABReport
import ABServer
import ABTUI
import ArgumentParser
import Foundation

/// `abtop demo`: the dashboard on two simulated models, with no keys, no network and no files.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the live dashboard on two simulated providers (OpenAI- and Anthropic-style), 50/50.",
        discussion: """
            Everything runs in this process on loopback: real HTTP to simulated models, no keys needed.

            With a CONFIG (e.g. examples/amazon-bedrock.json), its entities are answered instead, each by the \
            simulated provider of its own kind (OpenAI, Anthropic, Cohere, Bedrock, Vertex AI), with its split, \
            arm settings and task.
            """
    )

    @Argument(help: "An endpoint config whose entities the simulated providers answer (default: the built-in pair).")
    var config: String?

    @Option(help: "Prompts per second (Poisson arrivals); + and - change it live.")
    var rate: Double = 4

    @Option(help: "split or compare (c switches it live).")
    var mode: RunMode = .split

    @OptionGroup var dashboard: DashboardOptions

    @Option(help: "Seed for the simulated models and the router.")
    var seed: UInt64 = 7

    @Option(help: "Also write a report of this session to PATH at the end (\(ReportFormat.pathHelp)).")
    var report: String?

    @OptionGroup var storage: StoreOptions

    @OptionGroup var analysis: AnalysisOptions

    func validate() throws {
        guard rate.finite(in: 0.001...10_000) != nil else {
            throw ValidationError("--rate must be a number from 0.001 to 10000 (per second)")
        }
    }

    /// The two demo models: a quick one with short answers and a few 429s, a careful one with long answers.
    static let swiftModel = "gpt-4o-mini"
    static let thoroughModel = "claude-3-5-sonnet-20240620"

    static func endpointJSON(openAIBase: String, anthropicBase: String) -> String {
        """
        {"name": "demo-chat-endpoint",
         "config": {
           "served_entities": [
             {"name": "quick-gpt",
              "external_model": {"name": "\(swiftModel)", "provider": "openai", "task": "llm/v1/chat",
                "openai_config": {"openai_api_key_plaintext": "sk-demo"}}},
             {"name": "careful-claude",
              "external_model": {"name": "\(thoroughModel)", "provider": "anthropic", "task": "llm/v1/chat",
                "anthropic_config": {"anthropic_api_key_plaintext": "sk-ant-demo"}}}],
           "traffic_config": {"routes": [
             {"served_model_name": "quick-gpt", "traffic_percentage": 50},
             {"served_model_name": "careful-claude", "traffic_percentage": 50}]}},
         "ai_gateway": {"fallback_config": {"enabled": true}},
         "abtop": {"entities": {"quick-gpt": {"base_url": "\(openAIBase)"},
                                "careful-claude": {"base_url": "\(anthropicBase)"}},
                   "request": {"max_tokens": 400, "stream": true},
                   "breaker": {"failures": 5, "cooldown_s": 10}}}
        """
    }

    func run() async throws {
        if Dashboard.terminalProblem != nil {
            Console.err(
                "abtop demo: the demo is the dashboard, and needs a terminal (stdin and stdout); "
                    + "for a pipe, use abtop run CONFIG --headless")
            throw ExitCode(2)
        }
        let profiles = MockProfileSet(rules: [
            .init(pattern: Self.swiftModel, profile: .demoSwift),
            .init(pattern: Self.thoroughModel, profile: .demoThorough),
        ])
        let server = try await MockServer.start(.init(profiles: profiles, seed: seed))
        let configText: String
        let outcome: EndpointConfigReader.Outcome
        if let path = config {
            // The loader's outcome, not a second read: it has read the judge's rubric file.
            let loaded = try EndpointLoader().load(path: path, name: nil, secretsPath: nil)
            (configText, outcome) = (loaded.text, loaded.outcome)
        } else {
            configText = Self.endpointJSON(openAIBase: server.openAIBaseURL, anthropicBase: server.anthropicBaseURL)
            outcome = EndpointConfigReader.read(text: configText, defaultName: "demo")
        }
        guard let endpoint = outcome.config else {
            Console.err(outcome.issues.description)
            await server.stop()
            throw ExitCode(1)
        }
        // The built-in pair points at the simulated providers itself; a user's config is pointed at them here.
        let resolved =
            config == nil
            ? endpoint.resolve(with: SecretResolver(environment: [:]))
            : endpoint.simulated(
                root: server.anthropicBaseURL,
                serviceAccountKey: SimulatedServiceAccount.keyFile(tokenURI: server.anthropicBaseURL + "/token"))
        let streaming = endpoint.settings.request.stream && endpoint.endpointTask != .embeddings
        let host = try SessionHost(
            .init(
                config: endpoint, configText: configText, resolved: resolved, mode: mode,
                seed: seed, journal: storage.open(), analysis: analysis.settings(streaming: streaming, paired: true),
                consistency: true))
        await LiveRun.run(
            host, prompts: SamplePrompts.items, shape: .open(rate: rate), limits: LoadLimits(),
            dashboard: dashboard)
        await host.settleJudge()
        let finished = Result { try host.finish(report: report, storePath: storage.path) }
        // The simulated providers' answers in flight were for this process only: no need to let them finish.
        await server.stop(grace: 0.1)
        try finished.get()
    }
}
