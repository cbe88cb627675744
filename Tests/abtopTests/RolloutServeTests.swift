import ABCore
import ABEngine
import ABServer
import ABStore
import Foundation
import TestSupport
import Testing

@testable import abtop

/// Issue 27: guarded rollouts in `abtop serve`, over real HTTP to simulated providers whose profiles a test can
/// change mid-run: a healthy candidate reaches 100 % through every step, one that turns bad is rolled back, each
/// move is journaled and shown by `GET …/{name}`, and a restarted serve resumes where the rollout was.
@Suite struct RolloutServeTests {
    struct Stack {
        let mock: RunningServer
        let live: MockProfiles
        let server: RunningServer
        let registry: ServingRegistry
        let transport: CurlTransport
        let journalPath: String

        var port: Int { server.port }

        func stop() async {
            await server.stop()
            await registry.closeAll()
            transport.shutdown()
            await mock.stop()
        }

        /// Sends `n` requests, four at a time; the statuses seen.
        func send(_ n: Int) async -> [Int] {
            await withTaskGroup(of: [Int].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var statuses: [Int] = []
                        for _ in stride(from: worker, to: n, by: 4) {
                            let r = await RawHTTP.post(
                                port: port, path: "/serving-endpoints/ramp/invocations", headers: [:],
                                body: #"{"messages": [{"role": "user", "content": "hello there"}], "max_tokens": 8}"#)
                            statuses.append(r.status)
                        }
                        return statuses
                    }
                }
                var all: [Int] = []
                for await s in group { all += s }
                return all
            }
        }

        func rollout() async throws -> JSONValue {
            try JSONParser.parse(
                await RawHTTP.send("GET", port: port, path: "/api/2.0/serving-endpoints/ramp/rollout").text)
        }

        /// Sends requests in batches until `done` holds for the rollout, or `limit` requests were sent; how many.
        func send(until done: (JSONValue) -> Bool, limit: Int) async throws -> Int {
            var sent = 0
            while sent < limit {
                if done(try await rollout()) { return sent }
                _ = await send(40)
                sent += 40
            }
            return sent
        }
    }

    static func start(journalPath: String? = nil, live: MockProfiles? = nil) async throws -> Stack {
        let live = live ?? MockProfiles(MockProfileSet(fallback: .fast))
        let mock = try await MockServer.start(.init(seed: 2, live: live))
        let path = journalPath ?? AbtopBinary.scratch.appendingPathComponent("rollout-\(UUID().uuidString).sqlite").path
        let transport = CurlTransport()
        let registry = ServingRegistry(
            factory: ServeRuntimeFactory(
                simulated: mock.anthropicBaseURL, resolver: SecretResolver(environment: [:]),
                journal: try Journal(path: path), transport: transport, seed: 3))
        let server = try await ServingServer.start(.init(port: 0), registry: registry)
        return Stack(
            mock: mock, live: live, server: server, registry: registry, transport: transport, journalPath: path)
    }

    /// Two entities on the simulated OpenAI wire, no retries and no breaker (each failure is what it is), the
    /// split 100/0 and a rollout of `rollout` (JSON members).
    static func payload(rollout: String) -> String {
        """
        {"name": "ramp", "config": {"served_entities": [
           {"name": "base", "external_model": {"name": "base-model", "provider": "openai", "task": "llm/v1/chat",
             "openai_config": {"openai_api_key_plaintext": "k"}}},
           {"name": "cand", "external_model": {"name": "cand-model", "provider": "openai", "task": "llm/v1/chat",
             "openai_config": {"openai_api_key_plaintext": "k"}}}],
          "traffic_config": {"routes": [{"served_model_name": "base", "traffic_percentage": 100},
                                        {"served_model_name": "cand", "traffic_percentage": 0}]}},
         "abtop": {"retries": {"max": 0}, "breaker": {"failures": 0, "cooldown_s": 1}, "rollout": {\(rollout)}}}
        """
    }

    static let plan =
        #""baseline": "base", "candidate": "cand", "steps": [10, 50, 100], "min_step_s": 0, "#
        + #""min_step_requests": 30, "guardrails": {"error_rate": 0.1, "latency_p95": 2}"#

    static func moves(_ r: JSONValue) -> [String] {
        (r[key: "moves"]?.arrayValue ?? []).compactMap { $0[key: "kind"]?.stringValue }
    }

    static func routes(_ stack: Stack) async throws -> [String: Int] {
        let doc = try JSONParser.parse(
            await RawHTTP.send("GET", port: stack.port, path: "/api/2.0/serving-endpoints/ramp").text)
        var out: [String: Int] = [:]
        for r in doc[key: "config"]?[key: "traffic_config"]?[key: "routes"]?.arrayValue ?? [] {
            if let name = r[key: "served_model_name"]?.stringValue {
                out[name] = r[key: "traffic_percentage"]?.intValue
            }
        }
        return out
    }

    @Test func aHealthyCandidateReachesAllTheTrafficThroughEveryStep() async throws {
        let stack = try await Self.start()
        _ = try stack.registry.create(JSONParser.parse(Self.payload(rollout: Self.plan)))
        #expect(try await Self.routes(stack) == ["base": 90, "cand": 10], "the first step applies at once")
        let sent = try await stack.send(until: { $0[key: "phase"]?.stringValue == "completed" }, limit: 8_000)
        let r = try await stack.rollout()
        #expect(r[key: "phase"]?.stringValue == "completed", "after \(sent) requests: \(r.rendered())")
        #expect(Self.moves(r) == ["start", "advance", "complete"])
        #expect((r[key: "moves"]?.arrayValue ?? []).compactMap { $0[key: "percentage"]?.intValue } == [10, 50, 100])
        #expect(try await Self.routes(stack) == ["base": 0, "cand": 100])
        let metrics = await RawHTTP.send("GET", port: stack.port, path: "/metrics").text
        #expect(metrics.contains(#"abtop_rollout_percentage{endpoint="ramp",candidate="cand",baseline="base"} 100"#))
        #expect(metrics.contains(#"abtop_rollout_phase{endpoint="ramp",phase="completed"} 1"#))
        await stack.stop()
        // The journal keeps the state after every move, and each step is a split epoch.
        let journal = try Journal(path: stack.journalPath)
        let id = try #require(try journal.lastSessionID())
        let stored = try #require(try journal.session(id))
        #expect(stored.epochs.map { $0.weights.percentages } == [[100, 0], [90, 10], [50, 50], [0, 100]])
        #expect(try journal.latestRollout(endpoint: "ramp")?.phase == .completed)
    }

    @Test func aCandidateThatStartsFailingMidRampIsRolledBack() async throws {
        let stack = try await Self.start()
        _ = try stack.registry.create(JSONParser.parse(Self.payload(rollout: Self.plan)))
        _ = try await stack.send(until: { $0[key: "step"]?.intValue == 1 }, limit: 8_000)
        #expect(try await stack.rollout()[key: "percentage"]?.intValue == 50)
        // The candidate's provider now fails three requests in ten.
        var failing = MockProfile.fast
        failing.errorRates = [500: 0.3]
        stack.live.current = MockProfileSet(rules: [.init(pattern: "cand-model", profile: failing)], fallback: .fast)
        let sent = try await stack.send(until: { $0[key: "phase"]?.stringValue == "rolled_back" }, limit: 6_000)
        let r = try await stack.rollout()
        #expect(r[key: "phase"]?.stringValue == "rolled_back", "after \(sent) requests: \(r.rendered())")
        #expect(sent <= 2_000, "rolled back within a bounded number of requests: \(sent)")
        #expect(Self.moves(r) == ["start", "advance", "roll_back"])
        let reason = r[key: "moves"]?.arrayValue?.last?[key: "reason"]?.stringValue ?? ""
        #expect(reason.hasPrefix("error rate breached"), "\(reason)")
        #expect(try await Self.routes(stack) == ["base": 100, "cand": 0])
        await stack.stop()
    }

    @Test func aRestartedServeResumesTheRolloutWhereItWas() async throws {
        let first = try await Self.start()
        _ = try first.registry.create(JSONParser.parse(Self.payload(rollout: Self.plan)))
        _ = try await first.send(until: { $0[key: "step"]?.intValue == 1 }, limit: 8_000)
        let paused = await RawHTTP.post(
            port: first.port, path: "/api/2.0/serving-endpoints/ramp/rollout/pause", headers: [:], body: "")
        #expect(paused.status == 200 && paused.text.contains(#""phase":"paused""#), "\(paused.text)")
        await first.stop()
        // A new serve on the same journal, given the same config: the rollout comes back paused at 50 %.
        let second = try await Self.start(journalPath: first.journalPath)
        _ = try second.registry.create(JSONParser.parse(Self.payload(rollout: Self.plan)))
        let r = try await second.rollout()
        #expect(r[key: "phase"]?.stringValue == "paused" && r[key: "step"]?.intValue == 1, "\(r.rendered())")
        #expect(Self.moves(r) == ["start", "advance", "pause", "restart"])
        #expect(try await Self.routes(second) == ["base": 50, "cand": 50])
        let resumed = await RawHTTP.post(
            port: second.port, path: "/api/2.0/serving-endpoints/ramp/rollout/resume", headers: [:], body: "")
        #expect(resumed.status == 200)
        _ = try await second.send(until: { $0[key: "phase"]?.stringValue == "completed" }, limit: 8_000)
        #expect(try await second.rollout()[key: "phase"]?.stringValue == "completed")
        await second.stop()
    }

    @Test func theRolloutAPIRefusesWhatItCannotDo() async throws {
        let stack = try await Self.start()
        // No rollout configured: GET is a 404 that says how to start one.
        let plain = Self.payload(rollout: "").replacingOccurrences(of: #", "rollout": {}"#, with: "")
        _ = try stack.registry.create(JSONParser.parse(plain))
        let none = await RawHTTP.send("GET", port: stack.port, path: "/api/2.0/serving-endpoints/ramp/rollout")
        #expect(none.status == 404 && none.text.contains("POST one to"), "\(none.text)")
        let bad = await RawHTTP.post(
            port: stack.port, path: "/api/2.0/serving-endpoints/ramp/rollout", headers: [:],
            body: #"{"baseline": "base", "candidate": "nope", "steps": [5, 3]}"#)
        #expect(bad.status == 400 && bad.text.contains("candidate") && bad.text.contains("steps"), "\(bad.text)")
        let started = await RawHTTP.post(
            port: stack.port, path: "/api/2.0/serving-endpoints/ramp/rollout", headers: [:],
            body: "{\(Self.plan.replacingOccurrences(of: #""min_step_s": 0"#, with: #""min_step_s": 3600"#))}")
        #expect(started.status == 200 && started.text.contains(#""phase":"ramping""#), "\(started.text)")
        let again = await RawHTTP.post(
            port: stack.port, path: "/api/2.0/serving-endpoints/ramp/rollout", headers: [:], body: "{\(Self.plan)}")
        #expect(again.status == 409, "\(again.text)")
        let unknown = await RawHTTP.post(
            port: stack.port, path: "/api/2.0/serving-endpoints/ramp/rollout/explode", headers: [:], body: "")
        #expect(unknown.status == 404)
        let abort = await RawHTTP.post(
            port: stack.port, path: "/api/2.0/serving-endpoints/ramp/rollout/abort", headers: [:], body: "")
        #expect(abort.status == 200 && abort.text.contains(#""phase":"aborted""#))
        let twice = await RawHTTP.post(
            port: stack.port, path: "/api/2.0/serving-endpoints/ramp/rollout/abort", headers: [:], body: "")
        #expect(twice.status == 409 && twice.text.contains("changes nothing"), "\(twice.text)")
        let noSuch = await RawHTTP.send(
            "GET", port: stack.port, path: "/api/2.0/serving-endpoints/ramp/rollout/explode")
        #expect(noSuch.status == 404)
        // A guardrail this endpoint cannot measure is refused up front (no prices: no cost).
        let unmeasurable = await RawHTTP.post(
            port: stack.port, path: "/api/2.0/serving-endpoints/ramp/rollout", headers: [:],
            body: #"{"baseline": "base", "candidate": "cand", "guardrails": {"cost_per_request": 0.1}}"#)
        #expect(unmeasurable.status == 400 && unmeasurable.text.contains("price"), "\(unmeasurable.text)")
        #expect(try await Self.routes(stack) == ["base": 100, "cand": 0])
        // Moving the split by hand during a rollout pauses it.
        _ = await RawHTTP.post(
            port: stack.port, path: "/api/2.0/serving-endpoints/ramp/rollout", headers: [:],
            body: "{\(Self.plan.replacingOccurrences(of: #""min_step_s": 0"#, with: #""min_step_s": 3600"#))}")
        let put = await RawHTTP.send(
            "PUT", port: stack.port, path: "/api/2.0/serving-endpoints/ramp/config",
            body: try JSONParser.parse(plain)[key: "config"]!.rendered())
        #expect(put.status == 200, "\(put.text)")
        var phase = ""
        for _ in 0..<100 {
            phase = try await stack.rollout()[key: "phase"]?.stringValue ?? ""
            if phase == "paused" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(phase == "paused")
        await stack.stop()
    }
}

/// Issue 27, item 2, end to end: `router.strategy: thompson` moves a run's traffic to the arm that fails less, keeps
/// the other's floor, and turns the sample-ratio check off (the split follows the results, not the weights).
@Suite struct AdaptiveRunTests {
    @Test func thompsonSendsMostTrafficToTheArmThatFailsLess() async throws {
        let profile = try AbtopBinary.temporaryFile(
            #"{"profiles": [{"match": "bad", "profile": "fast", "errors": {"500": 0.3}}], "default": "fast"}"#,
            name: "adaptive.json")
        let (server, port) = try await RunCommandTests.mockServer(profile: profile)
        defer { server.terminate() }
        // JudgeRunTests' two-arm config (its judge is irrelevant here), made adaptive, with no retries or breaker.
        let judged = try JudgeRunTests.config(port: port, arms: ["good", "bad"], judge: "judge-longer")
        let config = try AbtopBinary.temporaryFile(
            try String(contentsOfFile: judged, encoding: .utf8).replacingOccurrences(
                of: #""abtop": {"#,
                with: #""abtop": {"router": {"strategy": "thompson", "floor": 0.05}, "retries": {"max": 0}, "#
                    + #""breaker": {"failures": 0}, "#), name: "adaptive-endpoint.json")
        let r = try await AbtopBinary.run(
            [
                "run", config, "--headless", "--json", "--requests", "600", "--concurrency", "4", "--seed", "3",
                "--quiet",
            ],
            environment: JudgeRunTests.keys)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONParser.parse(r.stdout)
        let requests = (json[key: "entities"]?.arrayValue ?? []).map { $0[key: "requests"]?.intValue ?? 0 }
        #expect(requests.count == 2 && requests[0] > 3 * requests[1], "\(requests)")
        #expect(requests[1] >= 10, "the floor keeps the other arm in: \(requests)")
        #expect(json[key: "srm"]?.arrayValue?.isEmpty == true, "no sample-ratio check on an adaptive split")
    }
}
