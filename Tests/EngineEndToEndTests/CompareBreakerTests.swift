import ABCore
import ABEngine
import Foundation
import Testing

/// Compare mode with breakers open (issue 11, item 16): every prompt is sent, or counted as not sent with why.
@Suite struct CompareBreakerTests {
    @Test func anEntityWithItsBreakerOpenIsToldThePromptWentWithoutIt() async throws {
        let h = try await EngineHarness.start(
            entities: [("down", "openai", "m"), ("up", "openai", "m")], profiles: [:],
            abtop: #"{"retries": {"max": 0}, "breaker": {"failures": 1, "cooldown_s": 600}}"#,
            mode: .compare, baseURLs: ["down": "http://127.0.0.1:1/v1"])
        for i in 0..<10 { _ = await h.engine.send(prompt(id: "p\(i)")) }
        let s = h.session.snapshot()
        await h.stop()
        #expect(s.entities[1].requests == 10)
        #expect(s.entities[0].requests + s.entities[0].notSent == 10)
        #expect(s.entities[0].notSent >= 8)
        #expect(h.session.events.contains { $0.kind == .notSent })
    }

    @Test func withEveryBreakerOpenAPromptWaitsForTheProbeInsteadOfVanishing() async throws {
        let h = try await EngineHarness.start(
            entities: [("a", "openai", "m"), ("b", "openai", "m")], profiles: [:],
            abtop: #"{"retries": {"max": 0}, "breaker": {"failures": 1, "cooldown_s": 0.2}}"#,
            mode: .compare, baseURLOverride: "http://127.0.0.1:1/v1")
        for i in 0..<4 {
            let records = await h.engine.send(prompt(id: "p\(i)"))
            #expect(!records.isEmpty, "prompt \(i) was sent to someone")
            // Real attempts on the wire (refused), not placeholders, and one compare group per prompt.
            #expect(records.allSatisfy { $0.outcome.error == .connect }, "\(records.map(\.outcome.error))")
            #expect(Set(records.map(\.group)).count == 1 && records.first?.group != nil)
        }
        // Every prompt is accounted for at every entity: sent, or told it went without it (never lost).
        let entities = h.session.snapshot().entities
        #expect(
            entities.map { $0.requests + $0.notSent }.reduce(0, +) == 8, "\(entities.map { ($0.requests, $0.notSent) })"
        )
        await h.stop()
    }
}
