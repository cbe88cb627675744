import ABCore
import ABEngine
import ABProviders
import Foundation
import Testing

@testable import ABServer

@Suite struct EngineTests {
    @Test(arguments: EngineHarness.providers, [true, false])
    func answersFromEveryProviderStreamingAndNot(provider: String, stream: Bool) async throws {
        let profile = MockProfile.fastWith {
            $0.ttftMilliseconds = .fixed(20)
            $0.tokensPerSecond = 1000
            $0.outputTokens = .fixed(30)
        }
        let h = try await EngineHarness.start(
            entities: [("e", provider, "model-x")], profiles: ["model-x": profile],
            abtop: #"{"request": {"stream": \#(stream), "max_tokens": 100}}"#)
        let records = await h.engine.send(prompt())
        await h.stop()
        let r = try #require(records.first)
        #expect(r.outcome.error == nil, "\(r.errorMessage ?? "")")
        #expect(r.outcome.status == 200 && r.outcome.streamed == stream)
        #expect(r.output.split(separator: " ").count >= 25)
        #expect(r.outcome.usage.output == 30 && !r.outcome.usage.estimated)
        #expect(r.outcome.usage.input == TokenUsage.estimate(characters: "How do tides work?".count))
        let e2e = Double(r.outcome.timing.e2eNanoseconds) / 1e6
        #expect(e2e >= 49, "20 ms TTFT + 29 tokens at 1000/s: \(e2e) ms")
        if stream {
            let ttft = try #require(r.outcome.timing.ttftNanoseconds)
            #expect(Double(ttft) / 1e6 >= 19.5 && Double(ttft) / 1e6 < e2e)
            #expect(r.outcome.timing.tpotNanoseconds(outputTokens: 30) != nil)
        } else {
            #expect(r.outcome.timing.firstToken == nil)
        }
        let finish = [
            "openai": "stop", "anthropic": "end_turn", "cohere": "COMPLETE", "amazon-bedrock": "end_turn",
            "google-cloud-vertex-ai": "STOP",
        ]
        #expect(r.finishReason == finish[provider])
    }

    @Test(arguments: [
        ("e429", ErrorKind.rateLimited), ("e500", .http5xx), ("e529", .overloaded), ("cutoff", .streamBroken),
        ("disconnect", .streamBroken), ("malformed", .malformed), ("stall", .timeout),
    ])
    func faultsAreClassified(model: String, kind: ErrorKind) async throws {
        let profiles: [String: MockProfile] = [
            "e429": .fastWith {
                $0.errorRates = [429: 1]
                $0.retryAfterSeconds = 0
            },
            "e500": .fastWith { $0.errorRates = [500: 1] },
            "e529": .fastWith {
                $0.errorRates = [529: 1]
                $0.retryAfterSeconds = 0
            },
            "cutoff": .fastWith { $0.faultRates = [.cutoff: 1] },
            "disconnect": .fastWith { $0.faultRates = [.disconnect: 1] },
            "malformed": .fastWith { $0.faultRates = [.malformed: 1] },
            "stall": .fastWith {
                $0.faultRates = [.stall: 1]
                $0.stallSeconds = 20
            },
        ]
        // Only the stall may hit a timeout (4 s, against a 20 s stall); every other fault gets a minute, so a
        // machine busy enough to answer a fast fault late (a fresh CI run once took over 4 s) cannot turn it
        // into a timeout.
        let timeouts =
            kind == .timeout
            ? #"{"connect": 5, "first_byte": 4, "total": 5}"# : #"{"connect": 60, "first_byte": 60, "total": 60}"#
        for provider in EngineHarness.providers {
            let h = try await EngineHarness.start(
                entities: [("e", provider, model)], profiles: profiles,
                abtop: #"{"retries": {"max": 0}, "timeouts_s": \#(timeouts)}"#)
            let r = try #require(await h.engine.send(prompt()).first)
            await h.stop()
            #expect(
                r.outcome.error == kind,
                "\(provider) \(model): \(String(describing: r.outcome.error)) \(r.errorMessage ?? "")")
            #expect(r.errorMessage?.isEmpty == false)
        }
    }

    @Test func connectionRefusedIsConnect() async throws {
        let h = try await EngineHarness.start(
            entities: [("e", "openai", "m")], profiles: [:],
            abtop: #"{"retries": {"max": 0}}"#, baseURLOverride: "http://127.0.0.1:1/v1")
        let r = try #require(await h.engine.send(prompt()).first)
        await h.stop()
        #expect(r.outcome.error == .connect && r.outcome.status == nil)
    }

    @Test func retriesWaitAsLongAsRetryAfterSays() async throws {
        let h = try await EngineHarness.start(
            entities: [("e", "openai", "limited")],
            profiles: [
                "limited": .fastWith {
                    $0.errorRates = [429: 1]
                    $0.retryAfterSeconds = 0.3
                }
            ],
            abtop: #"{"retries": {"max": 2, "backoff_ms": 1}}"#)
        let r = try #require(await h.engine.send(prompt()).first)
        await h.stop()
        #expect(r.outcome.retries == 2 && r.outcome.error == .rateLimited)
        let seconds = Double(r.outcome.timing.e2eNanoseconds) / 1e9
        // At least the two waits; the upper bound only catches a unit slip (300 s), not a slow machine.
        #expect(seconds >= 0.6 && seconds < 30, "two waits of Retry-After 0.3 s: \(seconds) s")
        let retryEvents = h.session.events.filter { $0.kind == .retry }
        #expect(retryEvents.count == 2 && retryEvents[0].message.contains("in 300 ms"))
    }

    @Test func fallbackRescuesOutsideTheComparison() async throws {
        let h = try await EngineHarness.start(
            entities: [("broken", "openai", "down"), ("spare", "anthropic", "up")],
            weights: [100, 0], profiles: ["down": .fastWith { $0.errorRates = [500: 1] }],
            abtop: #"{"retries": {"max": 0}}"#, fallback: true)
        let records = await h.engine.send(prompt())
        let snapshot = h.session.snapshot()
        await h.stop()
        #expect(records.count == 2)
        #expect(
            records[0].outcome.entity == 0 && records[0].outcome.error == .http5xx && !records[0].outcome.isFallback)
        #expect(records[1].outcome.entity == 1 && records[1].outcome.arm == 0 && records[1].outcome.isFallback)
        #expect(records[1].outcome.error == nil && !records[1].output.isEmpty)
        #expect(snapshot.entities[0].requests == 1 && snapshot.entities[0].errors == [.http5xx: 1])
        #expect(
            snapshot.entities[1].requests == 0 && snapshot.entities[1].fallbacks == 1 && snapshot.entities[1].e2e == nil
        )
        #expect(h.session.events.contains { $0.kind == .fallback })
    }

    @Test func breakerCoolsAnEntityDownThenProbes() async throws {
        let h = try await EngineHarness.start(
            entities: [("flaky", "openai", "down"), ("steady", "openai", "up")],
            weights: [50, 50], profiles: ["down": .fastWith { $0.errorRates = [500: 1] }],
            // Judged by the breaker's own deadline below, so a busy machine that outlasts the cooldown is fine.
            abtop:
                #"{"retries": {"max": 0}, "breaker": {"failures": 3, "cooldown_s": 4}, "router": {"strategy": "interleave"}}"#
        )
        // Each send with the session time it ended: what the breaker may do depends on its own deadline, and a
        // stalled machine can pass that deadline in the middle of the run.
        func send(_ id: String) async -> [(entity: Int?, ended: Double)] {
            await h.engine.send(prompt(id: id)).map { ($0.outcome.entity, h.session.now()) }
        }
        var sent: [(entity: Int?, ended: Double)] = []
        for i in 0..<6 { sent += await send("\(i)") }
        // Interleave alternates until the third failure opens the breaker; then only "steady" answers until the
        // cooldown ends.
        #expect(sent.map(\.entity) == [0, 1, 0, 1, 0, 1])
        #expect(h.session.events.contains { $0.kind == .breakerOpened && $0.entity == 0 })
        guard case .open(let until) = h.engine.routing.breakerStates[0] else {
            Issue.record("three failures open the breaker: \(h.engine.routing.breakerStates[0])")
            await h.stop()
            return
        }
        var rest: [(entity: Int?, ended: Double)] = []
        for i in 6..<12 { rest += await send("\(i)") }
        #expect(
            rest.filter { $0.ended < until }.allSatisfy { $0.entity == 1 },
            "nothing reaches the flaky entity before \(until): \(rest)")
        // Past the window (waited on the breaker's clock, so a probe is due), a probe reaches it; it fails and the
        // breaker opens again, so nothing more gets through until the new window ends. (A stalled machine may have
        // passed the window during the sends above already: the probe is looked for in all of them.)
        while h.session.now() <= until { try await Task.sleep(for: .milliseconds(50)) }
        for i in 0..<6 { rest += await send("after-\(i)") }
        await h.stop()
        guard case .open(let reopened) = h.engine.routing.breakerStates[0] else {
            Issue.record("a failed probe must reopen the breaker: \(h.engine.routing.breakerStates[0])")
            return
        }
        #expect(reopened > until)
        let k = try #require(rest.firstIndex { $0.entity == 0 }, "after the cooldown a probe reaches it: \(rest)")
        // The probe failed no earlier than the send before it ended (or the window opened), so the breaker stays
        // open for at least 4 s from there: no send that ended inside that span reached the flaky entity again.
        let closedUntil = max(until, k > 0 ? rest[k - 1].ended : until) + 4
        let inside = rest[(k + 1)...].filter { $0.ended < closedUntil }
        #expect(inside.allSatisfy { $0.entity == 1 }, "one probe per window: \(rest)")
    }

    @Test func compareModeSendsEveryPromptToEveryEntity() async throws {
        let h = try await EngineHarness.start(
            entities: [("a", "openai", "m1"), ("b", "anthropic", "m2")], weights: [90, 10],
            profiles: [:], mode: .compare)
        let one = await h.engine.send(prompt("Explain recursion", id: "r"))
        let two = await h.engine.send(prompt("Explain caching", id: "c"))
        await h.stop()
        #expect(one.map(\.outcome.entity) == [0, 1] && two.map(\.outcome.entity) == [0, 1])
        #expect(Set(one.map(\.group)).count == 1 && one[0].group != two[0].group)
        #expect(one[0].output != one[1].output)
    }

    @Test func openLoopCountsLatencyFromTheIntendedSendTime() async throws {
        let h = try await EngineHarness.start(entities: [("e", "openai", "m")], profiles: [:])
        let intended = Monotonic.now() - 200_000_000  // 200 ms ago: the request is late before it starts
        let r = try #require(await h.engine.send(prompt(), intendedStart: intended).first)
        await h.stop()
        #expect(r.outcome.timing.e2eNanoseconds >= 200_000_000)
    }

    @Test func loadGeneratorHonoursRequestAndDurationLimits() async throws {
        let h = try await EngineHarness.start(entities: [("a", "openai", "m"), ("b", "openai", "n")], profiles: [:])
        await LoadGenerator.run(
            engine: h.engine, prompts: SamplePrompts.items, shape: .closed(concurrency: 8),
            limits: LoadLimits(requests: 37))
        #expect(h.session.snapshot().totalRequests == 37)
        let start = h.session.now()
        await LoadGenerator.run(
            engine: h.engine, prompts: SamplePrompts.items, shape: .open(rate: 200),
            limits: LoadLimits(duration: 0.5))
        let elapsed = h.session.now() - start
        let sent = h.session.snapshot().totalRequests - 37
        await h.stop()
        #expect(elapsed >= 0.5 && elapsed < 10, "stops at its duration, however slow the machine: \(elapsed) s")
        #expect(sent > 60 && sent < 140, "about 100 Poisson arrivals in 0.5 s at 200/s: \(sent)")
    }
}
