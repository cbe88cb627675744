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
        // The judge takes 1.5 s a call (3 s a pair, two pairs at a time); the arms answer at once.
        var judge = MockProfile.fast
        judge.style = .judgeLonger
        judge.ttftMilliseconds = .fixed(1_500)
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
        // Every client has its answer while the judge (at least 3 s a pair, two at a time: 9 s for six) has not
        // finished: the answers did not wait for it.
        func judged(_ metrics: String) -> Int {
            metrics.split(separator: "\n").first {
                $0.hasPrefix(#"abtop_judge_pairs_total{endpoint="judged",outcome="judged"}"#)
            }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        }
        #expect(judged(await RawHTTP.send("GET", port: port, path: "/metrics").text) < 6)
        var metrics = ""
        for _ in 0..<600 {
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
