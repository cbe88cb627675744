import ABCore
import Foundation
import Testing

/// The verdicts on traffic a real provider gives: the real binary, real HTTP to `abtop mock-server`, latencies
/// drawn per request, one arm 40× slower with many of its requests in flight at every read.
@Suite struct VerdictsOverHTTPTests {
    /// The mock draws each request's latency from a lognormal with this median and 99th percentile (ms).
    struct Arm {
        let median: Double
        let p99: Double

        /// The lognormal's p-quantile.
        func quantile(_ z: Double) -> Double { median * exp(z * log(p99 / median) / 2.3263478740408408) }
    }

    static let fast = Arm(median: 50, p99: 150)

    static func number(_ v: JSONValue?) -> Double? {
        if case .number(let n)? = v { return n.value }
        return nil
    }
    static let slow = Arm(median: 2_000, p99: 8_000)

    /// Every progress line's p50 and p95 intervals for slow − fast hold the true difference of the two
    /// distributions the mock draws from (give or take what loopback and a debug build add, 100 ms: the same for
    /// both arms, so it cancels but for its noise). Analysed in order of finishing, the slow arm's early sample
    /// was its fast requests, and its intervals sat below the truth.
    @Test func aFortyTimesSlowerArmsIntervalsHoldTheTrueDifferenceAtEveryProgressLine() async throws {
        let profiles = try AbtopBinary.temporaryFile(
            """
            {"profiles": [
              {"match": "fast-model", "profile": "fast", "ttft_ms": {"median": \(Self.fast.median), "p99": \(Self.fast.p99)}},
              {"match": "slow-model", "profile": "fast", "ttft_ms": {"median": \(Self.slow.median), "p99": \(Self.slow.p99)}}],
             "default": {"profile": "fast"}}
            """, name: "profiles.json")
        let (server, port) = try await RunCommandTests.mockServer(profile: profiles)
        defer { server.terminate() }
        let endpoint = try AbtopBinary.temporaryFile(
            """
            {"name": "forty", "config": {"served_entities": [
              {"name": "quick", "external_model": {"name": "fast-model", "provider": "openai", "task": "llm/v1/chat",
                "openai_config": {"openai_api_key_plaintext": "sk-test"}}},
              {"name": "slow", "external_model": {"name": "slow-model", "provider": "openai", "task": "llm/v1/chat",
                "openai_config": {"openai_api_key_plaintext": "sk-test"}}}],
              "traffic_config": {"routes": [{"served_model_name": "quick", "traffic_percentage": 50},
                                            {"served_model_name": "slow", "traffic_percentage": 50}]}},
             "abtop": {"request": {"stream": false},
                       "entities": {"quick": {"base_url": "http://127.0.0.1:\(port)/v1"},
                                    "slow": {"base_url": "http://127.0.0.1:\(port)/v1"}}}}
            """)
        let progress = try AbtopBinary.temporaryFile("", name: "progress.jsonl")
        let r = try await AbtopBinary.run([
            "run", endpoint, "--headless", "--json", "--rate", "10", "--max-duration", "24", "--seed", "7",
            "--progress", "jsonl", "--progress-file", progress,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: progress, encoding: .utf8).split(separator: "\n")
        #expect(lines.count >= 10, "a progress line a second: \(lines.count)")
        let slack = 100.0
        var bounded: [String: Int] = [:]
        var cancelled = 0
        for (i, line) in lines.enumerated() {
            let p = try JSONParser.parse(String(line))
            for (metric, z) in [("latency_e2e_p50", 0.0), ("latency_e2e_p95", 1.6448536269514722)] {
                let truth = Self.slow.quantile(z) - Self.fast.quantile(z)
                guard let v = p[key: "verdicts"]?.arrayValue?.first(where: { $0[key: "metric"]?.stringValue == metric })
                else {
                    Issue.record("line \(i) has no \(metric)")
                    continue
                }
                #expect(v[key: "a"]?.stringValue == "quick" && v[key: "b"]?.stringValue == "slow")
                let low = Self.number(v[key: "low"])
                let high = Self.number(v[key: "high"])
                if low != nil || high != nil { bounded[metric, default: 0] += 1 }
                #expect(
                    (low ?? -.infinity) <= truth + slack && (high ?? .infinity) >= truth - slack,
                    "line \(i) (\(Self.number(p[key: "elapsed_s"]) ?? -1) s): \(metric) slow − quick \(low ?? -1)…\(high ?? -1) ms, truth \(truth) ms — \(v[key: "text"]?.stringValue ?? "")"
                )
            }
            cancelled = p[key: "entities"]?.arrayValue?.last?[key: "cancelled"]?.intValue ?? 0
        }
        // The test is not vacuous: the p50 interval was bounded on many lines (the run sends for 24 s, then lets
        // what is in flight finish, a line a second throughout), and nothing was cut off.
        #expect(bounded["latency_e2e_p50", default: 0] >= 8, "\(bounded) of \(lines.count) lines")
        #expect(cancelled == 0, "the deadline stops sending; requests in flight finish")
        let json = try JSONParser.parse(r.stdout)
        let p50 = json[key: "verdicts"]?.arrayValue?.first { $0[key: "metric"]?.stringValue == "latency_e2e_p50" }
        #expect(p50?[key: "state"]?.stringValue == "decided", "\(p50?[key: "text"]?.stringValue ?? "")")
    }
}
