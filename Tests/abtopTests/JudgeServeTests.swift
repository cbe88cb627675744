import ABCore
import ABEngine
import ABServer
import ABStore
import Foundation
import TestSupport
import Testing

@testable import abtop

/// Issue 26, item 1, in `abtop serve`: a sampled share of live traffic is judged off the request path against a
/// fresh answer from the other arm; the client never waits for it, and the arms' figures never count it.
@Suite struct JudgeServeTests {
    @Test func servedAnswersAreJudgedAfterTheClientHasThemAndApartFromTheArms() async throws {
        // The judge takes 3 s a call (6 s a pair, two pairs at a time); the arms answer at once.
        var judge = MockProfile.fast
        judge.style = .judgeLonger
        judge.ttftMilliseconds = .fixed(3_000)
        var verbose = MockProfile.fast
        verbose.style = .thorough
        verbose.outputTokens = .fixed(80)
        let mock = try await MockServer.start(
            .init(
                profiles: MockProfileSet(
                    rules: [
                        .init(pattern: "judge-longer", profile: judge), .init(pattern: "verbose", profile: verbose),
                    ],
                    fallback: .fast), seed: 2))
        let journalPath = AbtopBinary.scratch.appendingPathComponent("judge-\(UUID().uuidString).sqlite").path
        let transport = CurlTransport()
        let registry = ServingRegistry(
            factory: ServeRuntimeFactory(
                simulated: mock.anthropicBaseURL, resolver: SecretResolver(environment: [:]),
                journal: try Journal(path: journalPath), transport: transport, seed: 3))
        let server = try await ServingServer.start(.init(port: 0), registry: registry)
        _ = try registry.create(
            JSONParser.parse(
                """
                {"name": "judged", "config": {"served_entities": [
                   {"name": "terse", "external_model": {"name": "terse", "provider": "openai", "task": "llm/v1/chat",
                     "openai_config": {"openai_api_key_plaintext": "arm-key-never-shown-4242"}}},
                   {"name": "verbose", "external_model": {"name": "verbose", "provider": "openai", "task": "llm/v1/chat",
                     "openai_config": {"openai_api_key_plaintext": "arm-key-never-shown-4242"}}}],
                  "traffic_config": {"routes": [{"served_model_name": "terse", "traffic_percentage": 50},
                                                {"served_model_name": "verbose", "traffic_percentage": 50}]}},
                 "abtop": {"judge": {"external_model": {"name": "judge-longer", "provider": "openai",
                   "task": "llm/v1/chat", "openai_config": {"openai_api_key_plaintext": "judge-key-never-shown-77"}}}}}
                """))
        let port = server.port
        var ids: [String] = []
        for _ in 0..<6 {
            // No max_tokens: the verbose arm's answers are its full 80 tokens, the terse arm's 16.
            let r = await RawHTTP.post(
                port: port, path: "/serving-endpoints/judged/invocations", headers: [:],
                body: #"{"messages": [{"role": "user", "content": "why is the sky blue"}]}"#)
            #expect(r.status == 200, "\(r.text)")
            ids += r.headers["x-request-id"].map { [$0] } ?? []
        }
        // Every client has its answer while the judge (at least 6 s a pair, two at a time: 18 s for six) has not
        // finished: the answers did not wait for it.
        func judged(_ metrics: String) -> Int {
            metrics.split(separator: "\n").first {
                $0.hasPrefix(#"abtop_judge_pairs_total{endpoint="judged",outcome="judged"}"#)
            }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        }
        #expect(judged(await RawHTTP.send("GET", port: port, path: "/metrics").text) < 6)
        var metrics = ""
        for _ in 0..<1_200 {
            metrics = await RawHTTP.send("GET", port: port, path: "/metrics").text
            if judged(metrics) == 6 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(judged(metrics) == 6, "\(metrics)")
        // The arms' figures count the six client requests only: the fresh answers to judge against are apart.
        let requests = metrics.split(separator: "\n").filter {
            $0.hasPrefix("abtop_requests_total{endpoint=\"judged\"") && $0.contains(#"outcome="success""#)
        }.compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        #expect(requests == 6, "\(metrics)")
        // The longer answer wins every pair in both orders.
        #expect(metrics.contains(#"abtop_judge_verdicts_total{endpoint="judged",entity="verbose",outcome="won"} 6"#))
        #expect(metrics.contains(#"abtop_judge_verdicts_total{endpoint="judged",entity="terse",outcome="lost"} 6"#))
        #expect(metrics.contains(#"abtop_judge_tokens_total{endpoint="judged",direction="input"}"#))
        #expect(!metrics.contains("never-shown"))
        await server.stop()
        await registry.closeAll()
        transport.shutdown()
        await mock.stop()
        // Journaled beside the requests they judged, by x-request-id.
        let journal = try Journal(path: journalPath)
        let id = try #require(try journal.lastSessionID())
        let stored = try #require(try journal.session(id))
        #expect(stored.judgements.count == 6)
        #expect(Set(stored.judgements.compactMap(\.requestID)) == Set(ids))
        #expect(stored.judgements.allSatisfy { $0.group == nil && $0.winner == 1 && $0.consistent == true })
    }
}

/// The judge's pairs still waiting when a run ends: `finish` stops waiting at its deadline, cancels the calls in
/// flight and records every pair left as `ended`; a verdict that comes later is dropped, never counted twice.
@Suite struct JudgeFinishTests {
    @Test func pairsLeftWhenTheWaitEndsAreRecordedAsEndedAndNothingComesLater() async throws {
        var slowJudge = MockProfile.fast
        slowJudge.style = .judgeLonger
        slowJudge.ttftMilliseconds = .fixed(4_000)
        let mock = try await MockServer.start(
            .init(
                profiles: MockProfileSet(rules: [.init(pattern: "judge-slow", profile: slowJudge)], fallback: .fast),
                seed: 2))
        let text = """
            {"served_entities": [
               {"name": "a", "external_model": {"name": "a", "provider": "openai", "task": "llm/v1/chat",
                 "openai_config": {"openai_api_key_plaintext": "k"}}},
               {"name": "b", "external_model": {"name": "b", "provider": "openai", "task": "llm/v1/chat",
                 "openai_config": {"openai_api_key_plaintext": "k"}}}],
             "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 50},
                                           {"served_model_name": "b", "traffic_percentage": 50}]},
             "abtop": {"judge": {"external_model": {"name": "judge-slow", "provider": "openai", "task": "llm/v1/chat",
                 "openai_config": {"openai_api_key_plaintext": "k"}}}}}
            """
        let config = try #require(EndpointConfigReader.read(text: text, defaultName: "slow-judge").config)
        let resolved = config.simulated(root: mock.anthropicBaseURL, serviceAccountKey: "")
        #expect(resolved.count == 3)
        let host = try SessionHost(
            .init(config: config, configText: text, resolved: resolved, mode: .compare, seed: 1, journal: nil))
        await host.load(
            SamplePrompts.items, shape: .closed(concurrency: 2), limits: LoadLimits(requests: 6), control: LoadControl()
        )
        // Six pairs, two judged at a time at 4 s a call: none is done after half a second.
        await host.settleJudge(within: 0.5, quietly: true)
        let ended = host.session.judgements
        #expect(ended.count == 6, "\(ended)")
        #expect(ended.allSatisfy { $0.failure == .ended })
        // The cancelled calls do not come back as verdicts later.
        try await Task.sleep(for: .seconds(5))
        #expect(host.session.judgements.count == 6)
        #expect(host.judge?.pending == 0)
        host.close()
        await mock.stop()
    }
}

/// A judge's `rubric_file` is read beside the config when serve starts (the registry gets the text); a config sent
/// over the API may name no file on the server's machine.
@Suite struct JudgeRubricFileTests {
    @Test func serveReadsTheRubricFileAtStartAndRefusesOneOverTheAPI() async throws {
        let config = try AbtopBinary.temporaryFile(
            """
            {"served_entities": [
               {"name": "a", "external_model": {"name": "a", "provider": "openai", "task": "llm/v1/chat",
                 "openai_config": {"openai_api_key_plaintext": "k"}}},
               {"name": "b", "external_model": {"name": "b", "provider": "openai", "task": "llm/v1/chat",
                 "openai_config": {"openai_api_key_plaintext": "k"}}}],
             "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 50},
                                           {"served_model_name": "b", "traffic_percentage": 50}]},
             "abtop": {"judge": {"external_model": {"name": "j", "provider": "openai", "task": "llm/v1/chat",
                 "openai_config": {"openai_api_key_plaintext": "k"}}, "rubric_file": "rubric.txt"}}}
            """, name: "rubric-endpoint.json")
        let rubric = URL(fileURLWithPath: config).deletingLastPathComponent().appendingPathComponent("rubric.txt")
        try "Prefer answers that rhyme.".write(to: rubric, atomically: true, encoding: .utf8)
        let loaded = try EndpointLoader().load(path: config, name: nil, secretsPath: nil)
        #expect(loaded.outcome.config?.settings.judge?.rubricText == "Prefer answers that rhyme.")
        let payload = try #require(Serve.payload(loaded))
        #expect(payload[key: "abtop"]?[key: "judge"]?[key: "rubric"]?.stringValue == "Prefer answers that rhyme.")
        #expect(payload[key: "abtop"]?[key: "judge"]?[key: "rubric_file"] == nil)
        let stack = try await ServeRuntimeTests().start()
        #expect(throws: Never.self) { _ = try stack.registry.create(payload) }
        // The same config sent as it is (naming the file) is refused, saying why.
        var raw = try #require(try JSONParser.parse(loaded.text).objectValue)
        let bare = raw
        raw = JSONObject(["name": .string("over-api"), "config": .object(bare)])
        raw["abtop"] = bare["abtop"]
        var config2 = try #require(raw["config"]?.objectValue)
        config2["abtop"] = nil
        raw["config"] = .object(config2)
        #expect { _ = try stack.registry.create(.object(raw)) } throws: { error in
            "\(error)".contains("a rubric file is read only from a config file serve loads at start")
        }
        // A missing rubric file is an error naming it.
        try FileManager.default.removeItem(at: rubric)
        #expect { _ = try EndpointLoader().load(path: config, name: nil, secretsPath: nil) } throws: { error in
            "\(error)".contains("abtop.judge.rubric_file")
        }
        await stack.stop()
    }
}
