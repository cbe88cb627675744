import ABCore
import ABEngine
import ABProviders
import Synchronization
import Testing

@testable import ABServer

/// Collects relayed content, as `abtop serve` passes it to its client.
final class CollectingRelay: ContentRelay {
    let pieces = Mutex<[(entity: Int, text: String)]>([])
    let calls = Mutex<[ToolCallDelta]>([])
    func content(_ text: String, entity: Int) { pieces.withLock { $0.append((entity, text)) } }
    func toolCall(_ delta: ToolCallDelta, entity: Int) { calls.withLock { $0.append(delta) } }
    var text: String { pieces.withLock { $0.map(\.text).joined() } }
    var entities: Set<Int> { pieces.withLock { Set($0.map(\.entity)) } }
}

@Suite struct EngineServeTests {
    func prompt(_ text: String = "How do tides work?") -> PromptItem { PromptItem(id: "p", prompt: text) }

    @Test(arguments: ["openai", "anthropic"])
    func relayedContentIsTheAnswer(provider: String) async throws {
        let h = try await EngineHarness.start(entities: [("e", provider, "m")], profiles: [:])
        let relay = CollectingRelay()
        let records = await h.engine.servedRecords(prompt(), overrides: RequestOverrides(stream: true), relay: relay)
        await h.stop()
        let r = try #require(records.first)
        #expect(records.count == 1 && r.outcome.error == nil)
        #expect(!relay.text.isEmpty && relay.text == r.output)
        #expect(relay.entities == [0])
        #expect(r.outcome.timing.firstToken != nil)
    }

    @Test func overridesReachTheProvider() async throws {
        let h = try await EngineHarness.start(entities: [("e", "openai", "m")], profiles: [:])
        let relay = CollectingRelay()
        let records = await h.engine.servedRecords(
            prompt(), overrides: RequestOverrides(maxTokens: 5, stream: false), relay: relay)
        await h.stop()
        let r = try #require(records.first)
        #expect(r.outcome.usage.output == 5 && r.finishReason == "length")
        #expect(!r.outcome.streamed && r.outcome.timing.firstToken == nil)
        #expect(relay.text.isEmpty)  // nothing streams when the caller did not ask for a stream
    }

    /// Once a client has content from one entity, the request is that entity's: a dropped stream is not retried
    /// (the client would see the answer twice) and not handed to a fallback. Unrelayed, the same fault is retried.
    @Test func contentOutMeansNoRetryAndNoFallback() async throws {
        let profiles: [String: MockProfile] = ["drops": .fastWith { $0.faultRates = [.disconnect: 1] }]
        let h = try await EngineHarness.start(
            entities: [("e", "openai", "drops"), ("f", "openai", "ok")],
            weights: [100, 0], profiles: profiles,
            abtop: #"{"retries": {"max": 2, "backoff_ms": 1}, "breaker": {"failures": 1000, "cooldown_s": 1}}"#,
            fallback: true)
        var relayedCases = 0
        var retriedWithoutRelay = 0
        for i in 0..<6 {
            let relay = CollectingRelay()
            let served = await h.engine.servedRecords(
                prompt("question \(i)"), overrides: RequestOverrides(stream: true), relay: relay)
            let first = try #require(served.first)
            #expect(first.outcome.error == .streamBroken)
            if !relay.text.isEmpty {
                relayedCases += 1
                #expect(
                    first.outcome.retries == 0 && served.count == 1, "relayed \(relay.text.count) chars, then retried")
                #expect(relay.entities == [0])
            }
            let plain = await h.engine.servedRecords(
                prompt("question \(i)"), overrides: RequestOverrides(stream: true), relay: nil)
            if plain.first?.outcome.retries == 2 { retriedWithoutRelay += 1 }
        }
        await h.stop()
        #expect(relayedCases >= 3)
        #expect(retriedWithoutRelay == 6)
    }

    @Test func fallbackStillRescuesWhenNothingWentOut() async throws {
        let profiles: [String: MockProfile] = ["down": .fastWith { $0.errorRates = [500: 1] }]
        let h = try await EngineHarness.start(
            entities: [("e", "openai", "down"), ("f", "anthropic", "ok")],
            weights: [100, 0], profiles: profiles,
            abtop: #"{"retries": {"max": 0}}"#, fallback: true)
        let relay = CollectingRelay()
        let served = await h.engine.servedRecords(prompt(), overrides: RequestOverrides(stream: true), relay: relay)
        await h.stop()
        #expect(served.count == 2)
        #expect(served[0].outcome.error == .http5xx && served[1].outcome.isFallback && served[1].outcome.error == nil)
        #expect(relay.entities == [1] && relay.text == served[1].output)
    }
}
