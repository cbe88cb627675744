import ABCore
import ABEngine
import ABProviders
import Foundation
import Synchronization

@testable import ABServer

/// An engine wired to an in-process mock server whose profiles are chosen per model name.
struct EngineHarness {
    let server: MockServer.Running
    let engine: Engine
    let transport: CurlTransport

    var session: Session { engine.session }

    /// Every provider the mock simulates, each on its own wire.
    static let providers = ["openai", "anthropic", "cohere", "amazon-bedrock", "google-cloud-vertex-ai"]

    /// Entities are (name, provider, model); each answered by the mock's profile for its model.
    static func start(
        entities: [(String, String, String)], weights: [Int]? = nil, profiles: [String: MockProfile],
        abtop: String = "{}", fallback: Bool = false, mode: RunMode = .split,
        baseURLOverride: String? = nil, baseURLs: [String: String] = [:], apiKey: String = "sk-test",
        seed: UInt64 = 1, task: EndpointTask = .chat, bedrockFamily: String = "anthropic"
    ) async throws -> EngineHarness {
        let rules = profiles.map { MockProfileSet.Rule(pattern: $0.key, profile: $0.value) }
        let server = try await MockServer.start(
            .init(profiles: MockProfileSet(rules: rules, fallback: .fast), seed: seed))
        let weights = weights ?? Weights.even(count: entities.count).percentages
        let served = entities.map { name, provider, model -> String in
            let block =
                switch provider {
                case "anthropic": #""anthropic_config": {"anthropic_api_key_plaintext": "sk-ant-test"}"#
                case "cohere": #""cohere_config": {"cohere_api_key_plaintext": "\#(apiKey)"}"#
                case "amazon-bedrock":
                    #""amazon_bedrock_config": {"aws_region": "us-east-1", "aws_access_key_id_plaintext": "AKIDSIMULATED", "#
                        + #""aws_secret_access_key_plaintext": "simulated-secret-access-key", "bedrock_provider": "\#(bedrockFamily)"}"#
                case "google-cloud-vertex-ai":
                    #""google_cloud_vertex_ai_config": {"project_id": "p-1", "region": "us-central1", "private_key_plaintext": "#
                        + JSONValue.quoted(TestServiceAccount.keyFile(tokenURI: server.anthropicBaseURL + "/token"))
                        + "}"
                default: #""openai_config": {"openai_api_key_plaintext": "\#(apiKey)"}"#
                }
            return
                #"{"name": "\#(name)", "external_model": {"name": "\#(model)", "provider": "\#(provider)", "task": "\#(task.rawValue)", \#(block)}}"#
        }
        let routes = zip(entities, weights).map { #"{"served_model_name": "\#($0.0)", "traffic_percentage": \#($1)}"# }
        let bases = entities.map { name, provider, _ -> String in
            let url =
                baseURLs[name] ?? baseURLOverride
                ?? (["openai", "custom"].contains(provider) ? server.openAIBaseURL : server.anthropicBaseURL)
            return #""\#(name)": {"base_url": "\#(url)"}"#
        }
        var abtopBlock = try JSONParser.parse(abtop)
        if case .object(var o) = abtopBlock {
            // Each entity's base URL joins whatever settings the test gave it.
            var arms = o["entities"]?.objectValue ?? JSONObject()
            for member in (try JSONParser.parse("{\(bases.joined(separator: ","))}")).objectValue?.members ?? [] {
                var arm = arms[member.key]?.objectValue ?? JSONObject()
                arm["base_url"] = member.value[key: "base_url"]
                arms[member.key] = .object(arm)
            }
            o["entities"] = .object(arms)
            abtopBlock = .object(o)
        }
        let json = """
            {"name": "test", "config": {"served_entities": [\(served.joined(separator: ","))],
             "traffic_config": {"routes": [\(routes.joined(separator: ","))]}},
             "ai_gateway": {"fallback_config": {"enabled": \(fallback)}},
             "abtop": \(abtopBlock.rendered())}
            """
        let outcome = EndpointConfigReader.read(text: json, defaultName: "test")
        guard let config = outcome.config else { throw HarnessError.config(outcome.issues.description) }
        let resolved = config.resolve(with: SecretResolver(environment: [:]))
        let transport = CurlTransport()
        let engine = Engine(
            session: Session(endpoint: config, mode: mode), resolved: resolved, transport: transport, seed: seed)
        return EngineHarness(server: server, engine: engine, transport: transport)
    }

    func stop() async {
        transport.shutdown()
        await server.stop()
    }

    enum HarnessError: Error {
        case config(String)
    }
}

/// One service account key per test process (making an RSA key takes a moment), for the simulated Vertex AI.
enum TestServiceAccount {
    private static let files = Mutex<[String: String]>([:])

    static func keyFile(tokenURI: String) -> String {
        files.withLock { files in
            if let f = files[tokenURI] { return f }
            let f = GoogleOAuth.makeKeyFile(clientEmail: "test@abtop.iam.gserviceaccount.com", tokenURI: tokenURI)
            files[tokenURI] = f
            return f
        }
    }
}

func prompt(_ text: String = "How do tides work?", id: String = "p") -> PromptItem {
    PromptItem(id: id, prompt: text)
}

extension MockProfile {
    /// The fast profile with changes.
    static func fastWith(_ change: (inout MockProfile) -> Void) -> MockProfile {
        var p = MockProfile.fast
        p.outputTokens = .fixed(24)
        change(&p)
        return p
    }
}

extension Engine {
    /// `serve`'s rows, for tests that read what the session keeps (the typed answer is `serve`'s own).
    func servedRecords(_ prompt: PromptItem, overrides: RequestOverrides, relay: (any ContentRelay)?) async
        -> [RequestRecord]
    {
        await serve(prompt, overrides: overrides, relay: relay).map(\.record)
    }
}
