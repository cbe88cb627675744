import ABCore
import ABEngine
import Foundation
import Synchronization
import Testing

/// The engine's retries, Retry-After, fallbacks, breaker and cancellation against a scripted transport: no
/// server, no sockets, every reply decided by the test.
@Suite struct ScriptedEngineTests {
    @Test func retriesUntilAnAnswerAndCountsTheRetries() async throws {
        let h = try ScriptedEngine(weights: [100], abtop: #"{"retries": {"max": 3, "backoff_ms": 1}}"#) { _, n in
            n < 2 ? .status(500) : .ok
        }
        let records = await h.engine.send(PromptItem(id: "p", prompt: "hi"))
        let r = try #require(records.first)
        #expect(records.count == 1 && r.outcome.error == nil && r.outcome.retries == 2 && r.output == "fine")
        #expect(h.transport.requests == ["a.test", "a.test", "a.test"])
        #expect(h.session.events.filter { $0.kind == .retry }.count == 2)
        #expect(h.session.snapshot().entities[0].retries == 2)
    }

    @Test func aRetryWaitsAtLeastWhatRetryAfterSays() async throws {
        let h = try ScriptedEngine(weights: [100], abtop: #"{"retries": {"max": 1, "backoff_ms": 1}}"#) { _, n in
            n == 0 ? .status(429, retryAfter: "0.4") : .ok
        }
        let begin = Date()
        let r = try #require(await h.engine.send(PromptItem(id: "p", prompt: "hi")).first)
        #expect(Date().timeIntervalSince(begin) >= 0.4)
        #expect(r.outcome.error == nil && r.outcome.retries == 1)
        #expect(h.session.events.contains { $0.kind == .retry && $0.message.contains("in 400 ms") })
    }

    @Test func clientErrorsAreNotRetriedNorFallenBackFrom() async throws {
        let h = try ScriptedEngine(
            weights: [100, 0], abtop: #"{"retries": {"max": 3, "backoff_ms": 1}}"#,
            fallback: true
        ) { _, _ in .status(400) }
        let records = await h.engine.send(PromptItem(id: "p", prompt: "hi"))
        #expect(records.count == 1 && records[0].outcome.error == .http4xx && records[0].outcome.retries == 0)
        #expect(h.transport.requests == ["a.test"])
    }

    /// A request the provider refused produced nothing: no tokens, no estimate, and nothing billed for it.
    @Test func aRefusedRequestIsNotBilled() async throws {
        let h = try ScriptedEngine(
            weights: [100], abtop: #"{"prices": {"model-a": {"input_per_mtok": 30000, "output_per_mtok": 60000}}}"#
        ) { _, _ in .status(401) }
        let r = try #require(
            await h.engine.send(PromptItem(id: "p", prompt: String(repeating: "long ", count: 50))).first)
        #expect(r.outcome.error == .http4xx)
        #expect(r.outcome.usage == TokenUsage(), "no tokens and no estimate: \(r.outcome.usage)")
        #expect(r.outcome.costUSD == 0, "a known price, nothing billed: \(String(describing: r.outcome.costUSD))")
        let e = h.session.snapshot().entities[0]
        #expect(e.tokens.input == 0 && !e.tokens.estimated && e.costUSD == 0)
    }

    @Test func aFailedEntityFallsBackInServedOrderAndTheRescueIsMarked() async throws {
        let h = try ScriptedEngine(
            weights: [100, 0, 0], abtop: #"{"retries": {"max": 1, "backoff_ms": 1}}"#,
            fallback: true
        ) { host, _ in
            host == "c.test" ? .ok : .status(503)
        }
        let records = await h.engine.send(PromptItem(id: "p", prompt: "hi"))
        #expect(records.map(\.outcome.entity) == [0, 1, 2])
        #expect(records.map(\.outcome.isFallback) == [false, true, true])
        #expect(records.allSatisfy { $0.outcome.arm == 0 })
        #expect(records[0].outcome.retries == 1 && records[1].outcome.retries == 0, "fallbacks are not retried")
        #expect(records.last?.outcome.error == nil)
        #expect(h.transport.requests == ["a.test", "a.test", "b.test", "c.test"])
        #expect(h.session.events.filter { $0.kind == .fallback }.count == 2)
    }

    @Test func withFallbackOffAFailureIsTheAnswer() async throws {
        let h = try ScriptedEngine(weights: [100, 0], abtop: #"{"retries": {"max": 0}}"#) { _, _ in .status(503) }
        let records = await h.engine.send(PromptItem(id: "p", prompt: "hi"))
        #expect(records.count == 1 && records[0].outcome.error == .http5xx)
        #expect(h.transport.requests == ["a.test"])
    }

    /// Issue 24, item 4: while a's breaker is open every prompt goes to b: the breaker moved them, not the split,
    /// so no sample-ratio alarm is raised and the summary's counts say where the traffic went.
    @Test func picksABreakerMovedStayOutOfTheSampleRatioCheck() async throws {
        let h = try ScriptedEngine(
            weights: [50, 50], abtop: #"{"retries": {"max": 0}, "breaker": {"failures": 2, "cooldown_s": 600}}"#
        ) { host, _ in host == "a.test" ? .status(500) : .ok }
        for i in 0..<300 { _ = await h.engine.send(PromptItem(id: "p\(i)", prompt: "hi")) }
        guard case .open = h.engine.routing.breakerStates[0] else {
            Issue.record("a's failures open its breaker")
            return
        }
        let snapshot = h.session.snapshot()
        #expect(
            snapshot.entities[1].steered > 200, "b took the traffic while a cooled: \(snapshot.entities[1].steered)")
        #expect(snapshot.entities[0].steered == 0)
        let stats = h.session.statistics()
        #expect(!stats.srm().contains { $0.flagged }, "a breaker's moves are not a sample-ratio mismatch")
    }

    @Test func theBreakerOpensThenAProbeClosesIt() async throws {
        let probeSent = Mutex<UInt64?>(nil)
        let h = try ScriptedEngine(
            weights: [100],
            abtop: #"{"retries": {"max": 0}, "breaker": {"failures": 2, "cooldown_s": 0.3}}"#
        ) { _, n in
            if n == 2 { probeSent.withLock { $0 = Monotonic.now() } }
            return n < 2 ? .status(500) : .ok
        }
        for i in 0..<2 { _ = await h.engine.send(PromptItem(id: "p\(i)", prompt: "hi")) }
        guard case .open(let until) = h.engine.routing.breakerStates[0] else {
            Issue.record("two failures open the breaker: \(h.engine.routing.breakerStates)")
            return
        }
        #expect(h.session.events.contains { $0.kind == .breakerOpened })
        // The only entity is cooling down: the next prompt waits for the probe window (judged against the breaker's
        // own deadline, not a clock the test started late), and the probe succeeds.
        let r = try #require(await h.engine.send(PromptItem(id: "p2", prompt: "hi")).first)
        let sent = try #require(probeSent.withLock { $0 })
        #expect(r.outcome.error == nil)
        #expect(h.session.seconds(at: sent) >= until, "the probe went out before the window opened")
        #expect(h.session.events.contains { $0.kind == .breakerClosed })
        guard case .closed = h.engine.routing.breakerStates[0] else {
            Issue.record("a good probe closes the breaker")
            return
        }
    }

    @Test func aRetryIsNotTriedOnceTheBreakerOpened() async throws {
        let h = try ScriptedEngine(
            weights: [100],
            abtop: #"{"retries": {"max": 5, "backoff_ms": 1}, "breaker": {"failures": 2, "cooldown_s": 30}}"#
        ) { _, _ in
            .status(500)
        }
        let r = try #require(await h.engine.send(PromptItem(id: "p", prompt: "hi")).first)
        #expect(r.outcome.retries == 1, "the second failure opened the breaker: no third attempt")
        #expect(h.transport.requests.count == 2)
    }

    /// The reply would take an hour: only cancellation can end the request before the test's time limit (a
    /// minute, however busy the machine).
    @Test(.timeLimit(.minutes(1))) func cancellingTheCallerEndsAPendingRequestAtOnce() async throws {
        let h = try ScriptedEngine(weights: [100], abtop: #"{"retries": {"max": 3, "backoff_ms": 1}}"#) { _, _ in
            var slow = ScriptedTransport.Reply.ok
            slow.delay = 3600
            return slow
        }
        let task = Task { await h.engine.send(PromptItem(id: "p", prompt: "hi")) }
        while h.transport.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        let records = await task.value
        #expect(records.count == 1 && records[0].outcome.error == .cancelled && records[0].outcome.retries == 0)
        #expect(h.transport.requests.count == 1, "a cancelled request is not retried")
    }

    @Test func compareModeSendsEveryEntityOnceInOneGroup() async throws {
        let h = try ScriptedEngine(weights: [50, 50], mode: .compare) { host, _ in
            var reply = ScriptedTransport.Reply.ok
            reply.body = ScriptedTransport.answer("from \(host)")
            return reply
        }
        let records = await h.engine.send(PromptItem(id: "p", prompt: "hi"))
        #expect(records.map(\.outcome.entity) == [0, 1])
        #expect(records.map(\.output) == ["from a.test", "from b.test"])
        #expect(Set(records.compactMap(\.group)).count == 1 && records.allSatisfy { !$0.outcome.countsTowardSplit })
    }

    @Test func weightsForAnotherNumberOfEntitiesChangeNothing() throws {
        let h = try ScriptedEngine(weights: [50, 50]) { _, _ in .ok }
        let epoch = h.engine.setWeights(try #require(Weights([20, 30, 50])))
        #expect(
            epoch.index == 0 && h.session.snapshot().epochs.count == 1 && h.engine.routing.weights == Weights([50, 50]))
    }

    @Test func aReweightIsOneStepForTheRouterAndTheStats() async throws {
        let h = try ScriptedEngine(weights: [50, 50]) { _, _ in .ok }
        let weights = try (0..<40).map { i in try #require(Weights([i % 2 == 0 ? 70 : 30, i % 2 == 0 ? 30 : 70])) }
        await withTaskGroup(of: Void.self) { group in
            for w in weights { group.addTask { h.engine.setWeights(w) } }
        }
        let snapshot = h.session.snapshot()
        #expect(snapshot.epochs.map(\.epoch.index) == Array(0...snapshot.epoch.index), "no epoch lost")
        #expect(
            snapshot.epoch.weights == h.engine.routing.weights && snapshot.epoch.index == h.engine.routing.epoch.index)
    }
}

/// Issue 25: a mode change is the session's own event, sent to every observer once, and nothing after the end.
@Suite struct ModeChangeEventTests {
    final class Recorder: SessionObserver {
        let modes = Mutex<[RunMode]>([])
        func observe(_ event: SessionEvent) {
            if case .modeChanged(let mode, _) = event { modes.withLock { $0.append(mode) } }
        }
    }

    @Test func aModeChangeReachesEveryObserverOnce() throws {
        let config = try #require(
            EndpointConfigReader.read(
                text: #"""
                    {"name": "m", "config": {"served_entities": [{"name": "a", "external_model": {"name": "gpt-4",
                      "provider": "openai", "task": "llm/v1/chat", "openai_config": {"openai_api_key": "{{secrets/s/k}}"}}}],
                     "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 100}]}}}
                    """#, defaultName: "m"
            ).config)
        let recorder = Recorder()
        let session = Session(endpoint: config, mode: .split, observers: [recorder])
        session.switchMode(to: .compare)
        session.switchMode(to: .compare)
        #expect(session.mode == .compare && recorder.modes.withLock { $0 } == [.compare], "a repeat is no change")
        #expect(session.events.contains { $0.kind == .mode && $0.message == "mode: compare" })
        session.end()
        session.switchMode(to: .split)
        #expect(recorder.modes.withLock { $0 } == [.compare] && session.mode == .compare, "nothing after the end")
    }
}
