import ABCore
import ABEngine
import ABProviders
import Foundation
import Testing

@testable import ABServer

/// The `llm/v1/embeddings` and `llm/v1/completions` tasks through the engine, against every simulated provider
/// that offers them, with the measurements that apply.
@Suite struct TaskTests {
    static let embedders: [(provider: String, model: String, family: String)] = [
        ("openai", "text-embedding-3-small", "amazon"), ("cohere", "embed-english-v3.0", "amazon"),
        ("amazon-bedrock", "amazon.titan-embed-text-v2:0", "amazon"),
        ("amazon-bedrock", "cohere.embed-english-v3", "cohere"),
        ("google-cloud-vertex-ai", "text-embedding-004", "amazon"),
    ]

    @Test(arguments: embedders)
    func embeddingsFromEveryProviderThatHasThem(_ e: (provider: String, model: String, family: String)) async throws {
        let h = try await EngineHarness.start(
            entities: [("e", e.provider, e.model)], profiles: [:], task: .embeddings, bedrockFamily: e.family)
        let texts = ["the cat sat", "on the mat", "the cat sat"]
        var overrides = RequestOverrides(stream: true)
        overrides.inputs = texts
        let served = await h.engine.serve(prompt("ignored"), overrides: overrides, relay: nil)
        let snapshot = h.session.snapshot()
        await h.stop()
        let r = try #require(served.first?.record)
        let vectors = served.first?.answer?.embeddings ?? []
        #expect(r.outcome.error == nil, "\(e.provider): \(r.errorMessage ?? "")")
        // One vector per text, in order (Titan's one-text calls merged), the same text the same vector.
        #expect(vectors.count == 3 && vectors.allSatisfy { $0.count == 256 })
        #expect(vectors[0] == vectors[2] && vectors[0] != vectors[1])
        // Never streamed: no first token, no output tokens; input tokens as the provider counted them.
        #expect(!r.outcome.streamed && r.outcome.timing.firstToken == nil)
        #expect(r.outcome.usage.output == 0 && r.outcome.usage.input > 0 && !r.outcome.usage.estimated)
        #expect(r.output.hasPrefix("[3 × 256-dim embedding:"))
        #expect(snapshot.entities[0].ttft == nil && snapshot.entities[0].e2e != nil)
        // The session keeps no vectors: a `RequestRecord` has no place for them (they are `Served.answer`'s).
    }

    @Test(arguments: EngineHarness.providers, [true, false])
    func completionsFromEveryProvider(provider: String, stream: Bool) async throws {
        let h = try await EngineHarness.start(
            entities: [("e", provider, "m")], profiles: [:], abtop: #"{"request": {"stream": \#(stream)}}"#,
            task: .completions)
        let records = await h.engine.send(prompt("Once upon a time"))
        await h.stop()
        let r = try #require(records.first)
        #expect(r.outcome.error == nil, "\(provider): \(r.errorMessage ?? "")")
        #expect(!r.output.isEmpty && r.outcome.streamed == stream && !r.outcome.usage.estimated)
        if stream { #expect(r.outcome.timing.firstToken != nil) }
    }

    @Test func anthropicHasNoEmbeddingsAndTheConfigSaysSo() {
        let o = EndpointConfigReader.read(
            text: #"""
                {"served_entities": [{"name": "e", "external_model": {"name": "claude", "provider": "anthropic",
                  "task": "llm/v1/embeddings", "anthropic_config": {"anthropic_api_key": "{{secrets/a/b}}"}}}]}
                """#, defaultName: "t")
        let issue = o.issues.errors.first { $0.path.description == "served_entities[0].external_model.task" }
        #expect(issue?.message == "anthropic has no embedding models", "\(o.issues)")
    }
}
