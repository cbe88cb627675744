import ABCore
import ABEngine
import ABProviders
import ABServer
import Foundation
import Testing

/// Issue 25: every provider the provider layer registers, end to end against its simulated counterpart, so a
/// provider cannot be half-registered: its own starter block reads, resolves and is simulated; a request and a
/// stream are answered on the wire its simulation speaks (custom, Databricks and Azure entities are simulated on
/// OpenAI's: their own routes are `WireFormatTests`'); a completion is answered; a failure comes back typed;
/// embeddings work where its template's settings have them; a key the provider echoes is redacted. A provider added without a template, settings that resolve, or a simulated
/// counterpart fails here.
@Suite struct ProviderCatalogTests {
    static let supported = ProviderCatalog.standard.supported.map(\.id.rawValue)

    /// The provider's starter block as `abtop init` writes it, with `task`, for model `model`.
    private func config(_ id: String, model: String, task: EndpointTask) throws -> EndpointConfig {
        let outcome = read(id, model: model, task: task)
        return try #require(outcome.config, "\(id)'s own template must read: \(outcome.issues)")
    }

    private func read(_ id: String, model: String, task: EndpointTask) -> EndpointConfigReader.Outcome {
        let descriptor = ProviderCatalog.standard[Provider(rawValue: id)]!
        let block = descriptor.template(secretScope: "s").block
        let entity: JSONValue = [
            "name": "e",
            "external_model": .object(
                JSONObject([
                    "name": .string(model), "provider": .string(id), "task": .string(task.rawValue),
                    descriptor.configBlock: .object(block),
                ])),
        ]
        let root: JSONValue = [
            "name": "catalog",
            "config": [
                "served_entities": [entity],
                "traffic_config": ["routes": [["served_model_name": "e", "traffic_percentage": 100]]],
            ],
        ]
        return EndpointConfigReader.read(root, defaultName: "catalog")
    }

    private func engine(_ config: EndpointConfig, server: MockServer.Running) -> (Engine, CurlTransport) {
        let root = server.anthropicBaseURL
        let resolved = config.simulated(
            root: root, serviceAccountKey: TestServiceAccount.keyFile(tokenURI: root + "/token"))
        let transport = CurlTransport()
        return (
            Engine(session: Session(endpoint: config, mode: .split), resolved: resolved, transport: transport, seed: 1),
            transport
        )
    }

    @Test func everyRegisteredProviderHasADescriptorThatIsWhole() {
        #expect(Self.supported.count >= 7, "\(Self.supported)")
        for d in ProviderCatalog.standard.all {
            #expect(!d.configKeys.isEmpty && d.configBlock.hasSuffix("_config"), "\(d.id)")
            #expect(ProviderCatalog.standard.byBlock(d.configBlock)?.id == d.id, "\(d.id): its block finds it")
        }
        #expect(Set(ProviderCatalog.standard.all.map(\.id)).count == ProviderCatalog.standard.all.count, "ids unique")
    }

    @Test(arguments: supported, [false, true])
    func aRequestAndAStreamAreAnsweredOnTheProvidersWire(_ id: String, stream: Bool) async throws {
        let server = try await MockServer.start(.init(profiles: MockProfileSet(rules: [], fallback: .fast), seed: 1))
        let (engine, transport) = engine(try config(id, model: "m-\(id)", task: .chat), server: server)
        let served = await engine.serve(
            PromptItem(id: "p", prompt: "How do tides work?"), overrides: RequestOverrides(stream: stream), relay: nil)
        transport.shutdown()
        await server.stop()
        let s = try #require(served.first)
        #expect(s.failure == nil, "\(id): \(s.failure.map { "\($0)" } ?? "")")
        #expect(!(s.answer?.text ?? "").isEmpty && s.record.outcome.usage.output > 0, "\(id)")
        #expect(s.record.outcome.streamed == stream && (s.record.outcome.timing.firstToken != nil) == stream, "\(id)")
    }

    @Test(arguments: supported)
    func aFailureComesBackTyped(_ id: String) async throws {
        var broken = MockProfile.fast
        broken.errorRates = [500: 1.0]
        let server = try await MockServer.start(
            .init(profiles: MockProfileSet(rules: [.init(pattern: "m-*", profile: broken)], fallback: .fast), seed: 1))
        let (engine, transport) = engine(try config(id, model: "m-\(id)", task: .chat), server: server)
        let served = await engine.serve(
            PromptItem(id: "p", prompt: "hi"), overrides: RequestOverrides(stream: false), relay: nil)
        transport.shutdown()
        await server.stop()
        let failure = try #require(served.last?.failure, "\(id) should have failed")
        #expect(failure.kind == .http5xx && failure.status == 500, "\(id): \(failure)")
        #expect(served.last?.record.outcome.error == .http5xx)
    }

    @Test(arguments: ProviderCatalog.standard.supported.filter(\.hasEmbeddings).map(\.id.rawValue))
    func embeddingsWhereTheProviderHasThem(_ id: String) async throws {
        let descriptor = ProviderCatalog.standard[Provider(rawValue: id)]!
        let chat = try config(id, model: "m-embed-\(id)", task: .chat)
        if let problem = descriptor.embeddingsProblem(chat.servedEntities[0].providerSettings, block: ConfigPath()) {
            // The template's settings have no embedding models (a model family without them): reading the same
            // block for embeddings must refuse it with that problem.
            let refused = read(id, model: "m-embed-\(id)", task: .embeddings)
            #expect(refused.config == nil && refused.issues.all.contains { $0.message == problem.message }, "\(id)")
            return
        }
        let config = try config(id, model: "m-embed-\(id)", task: .embeddings)
        let server = try await MockServer.start(.init(profiles: MockProfileSet(rules: [], fallback: .fast), seed: 1))
        let (engine, transport) = engine(config, server: server)
        var overrides = RequestOverrides(stream: false)
        overrides.inputs = ["the cat sat", "on the mat"]
        let served = await engine.serve(PromptItem(id: "p", prompt: "x"), overrides: overrides, relay: nil)
        transport.shutdown()
        await server.stop()
        let s = try #require(served.first)
        #expect(s.failure == nil && s.answer?.embeddings.count == 2, "\(id): \(s.failure.map { "\($0)" } ?? "")")
    }

    /// A provider that echoes what it was sent cannot carry the entity's key to the caller, on any provider's wire,
    /// streamed (the key split across events) or not: the engine redacts every provider text.
    @Test(arguments: supported, [false, true])
    func anEchoedKeyIsRedactedOnTheProvidersWire(_ id: String, stream: Bool) async throws {
        var echo = MockProfile.fast
        echo.style = .echo
        let server = try await MockServer.start(
            .init(profiles: MockProfileSet(rules: [.init(pattern: "m-*", profile: echo)], fallback: .fast), seed: 1))
        let config = try config(id, model: "m-\(id)", task: .chat)
        let root = server.anthropicBaseURL
        let resolved = config.simulated(
            root: root, serviceAccountKey: TestServiceAccount.keyFile(tokenURI: root + "/token"))
        // The entity's stand-in key, held by the redactor as a session holds its keys.
        let secret = "sk-catalog-echo-\(id)-0123456789"
        let lease = try SecretRedactor.hold([secret])
        let transport = CurlTransport()
        let engine = Engine(
            session: Session(endpoint: config, mode: .split), resolved: resolved, transport: transport, seed: 1)
        let served = await engine.serve(
            PromptItem(id: "p", prompt: "repeat this: \(secret) please"), overrides: RequestOverrides(stream: stream),
            relay: nil)
        transport.shutdown()
        await server.stop()
        _ = lease
        let s = try #require(served.first)
        #expect(s.failure == nil, "\(id): \(s.failure.map { "\($0)" } ?? "")")
        let text = s.answer?.text ?? ""
        #expect(text.contains("repeat this:") && text.contains("please"), "\(id) echoed: \(text)")
        #expect(!text.contains(secret) && !s.record.output.contains(secret), "\(id): the key came back: \(text)")
    }

    /// The completions task on every provider's wire (its own endpoint where it has one, else the chat API with the
    /// prompt as the user's turn).
    @Test(arguments: supported)
    func aCompletionIsAnsweredOnTheProvidersWire(_ id: String) async throws {
        let server = try await MockServer.start(.init(profiles: MockProfileSet(rules: [], fallback: .fast), seed: 1))
        let (engine, transport) = engine(try config(id, model: "m-\(id)", task: .completions), server: server)
        let served = await engine.serve(
            PromptItem(id: "p", prompt: "Once upon a time"), overrides: RequestOverrides(stream: false), relay: nil)
        transport.shutdown()
        await server.stop()
        let s = try #require(served.first)
        #expect(s.failure == nil && !(s.answer?.text ?? "").isEmpty, "\(id): \(s.failure.map { "\($0)" } ?? "")")
    }
}
