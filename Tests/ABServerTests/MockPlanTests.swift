import ABCore
import Testing

@testable import ABServer

private func request(_ prompt: String, model: String = "m", maxTokens: Int? = nil) -> MockRequest {
    MockRequest(wire: .openai, model: model, inputText: prompt, prompt: prompt, maxTokens: maxTokens, stream: true)
}

@Suite struct MockPlanTests {
    @Test func sameSeedAndRequestsGiveTheSamePlans() {
        let a = MockPlanner(profiles: MockProfileSet(fallback: .flaky), seed: 11)
        let b = MockPlanner(profiles: MockProfileSet(fallback: .flaky), seed: 11)
        let c = MockPlanner(profiles: MockProfileSet(fallback: .flaky), seed: 12)
        let plans = (0..<50).map { a.plan(request("prompt \($0 % 5)"), occurrence: $0 / 5) }
        #expect(plans == (0..<50).map { b.plan(request("prompt \($0 % 5)"), occurrence: $0 / 5) })
        #expect(plans != (0..<50).map { c.plan(request("prompt \($0 % 5)"), occurrence: $0 / 5) })
    }

    @Test func aPromptKeepsItsAnswerButRepeatsResampleTiming() {
        let p = MockPlanner(profiles: MockProfileSet(), seed: 1)
        let first = p.plan(request("How do vaccines train the immune system?"), occurrence: 0)
        let again = p.plan(request("How do vaccines train the immune system?"), occurrence: 1)
        #expect(first.ttft != again.ttft)
        let shorter = min(first.tokens.count, again.tokens.count)
        #expect(Array(first.tokens.prefix(shorter)) == Array(again.tokens.prefix(shorter)))
    }

    @Test func answersDifferByPromptAndByModelAndUseThePromptsWords() {
        let profiles = MockProfileSet(rules: [
            .init(pattern: "swift*", profile: .demoSwift),
            .init(pattern: "thorough*", profile: .demoThorough),
        ])
        let p = MockPlanner(profiles: profiles, seed: 3)
        let prompt = "Compare solar panels and wind turbines for a small farm"
        let a = p.plan(request(prompt, model: "swift-1"), occurrence: 0).text
        let b = p.plan(request(prompt, model: "thorough-1"), occurrence: 0).text
        let c = p.plan(request("Explain recursion to a child", model: "swift-1"), occurrence: 0).text
        #expect(a != b && a != c)
        #expect(b.contains("**"), "the thorough style makes numbered, bold points")
        for text in [a, b] {
            #expect(["solar", "panels", "wind", "turbines", "farm"].contains { text.lowercased().contains($0) })
        }
    }

    @Test func maxTokensCutsTheAnswerAndSaysSo() {
        let p = MockPlanner(profiles: MockProfileSet(fallback: .slow), seed: 1)
        let plan = p.plan(request("Tell me everything about compilers", maxTokens: 7), occurrence: 0)
        #expect(plan.tokens.count == 7 && plan.finishReason == .length)
        #expect(TokenUsage.estimate(characters: 35) == plan.inputTokens)
    }

    @Test func errorAndFaultRatesMatchTheProfileWithinThreeSigma() {
        let p = MockPlanner(profiles: MockProfileSet(fallback: .flaky), seed: 99)
        let n = 10_000
        var errors: [Int: Int] = [:]
        var faults: [MockFault: Int] = [:]
        for i in 0..<n {
            let plan = p.plan(request("same prompt"), occurrence: i)
            if let s = plan.errorStatus { errors[s, default: 0] += 1 }
            if let f = plan.fault?.kind { faults[f, default: 0] += 1 }
            if plan.errorStatus == 429 { #expect(plan.retryAfterSeconds == 1) }
        }
        func within(_ count: Int, _ p: Double, of total: Int) -> Bool {
            abs(Double(count) - Double(total) * p) <= 3 * (Double(total) * p * (1 - p)).squareRoot()
        }
        for (status, rate) in MockProfile.flaky.errorRates {
            #expect(within(errors[status] ?? 0, rate, of: n), "\(status): \(errors[status] ?? 0)")
        }
        // Faults apply to the requests that did not fail first.
        let answered = n - errors.values.reduce(0, +)
        for (kind, rate) in MockProfile.flaky.faultRates {
            #expect(within(faults[kind] ?? 0, rate, of: answered), "\(kind): \(faults[kind] ?? 0)")
        }
    }

    @Test func logNormalHitsItsMedianAndP99() {
        var rng = SplitMix64(seed: 4)
        let d = Distribution.logNormal(median: 400, p99: 2_000)
        let samples = (0..<20_000).map { _ in d.sample(&rng) }.sorted()
        #expect(abs(samples[10_000] - 400) / 400 < 0.03)
        #expect(abs(samples[19_800] - 2_000) / 2_000 < 0.08)
    }
}

@Suite struct MockProfileSetTests {
    @Test func exactNamesBeatGlobsAndEveryModelGetsAProfile() {
        let set = MockProfileSet(
            rules: [.init(pattern: "gpt-4*", profile: .slow), .init(pattern: "gpt-4o", profile: .fast)],
            fallback: .standard)
        #expect(set.profile(for: "gpt-4o").name == "fast")
        #expect(set.profile(for: "gpt-4-turbo").name == "slow")
        #expect(set.profile(for: "anything-else").name == "default")
        #expect(Glob.matches("claude-?-*", "claude-3-opus") && !Glob.matches("claude-?-*", "claude-35-opus"))
    }

    @Test func parsesFilesAndNamesErrorsByPath() throws {
        let set = try MockProfileSet.parse(
            """
            {"profiles": [{"match": "a*", "profile": "fast", "errors": {"429": 0.5}},
                          {"match": "b", "ttft_ms": {"median": 100, "p99": 400}, "style": "thorough"}],
             "default": "slow"}
            """
        ).get()
        #expect(set.profile(for: "ax").errorRates == [429: 0.5])
        #expect(set.profile(for: "ax").ttftMilliseconds == .fixed(0))
        #expect(set.profile(for: "b").ttftMilliseconds == .logNormal(median: 100, p99: 400))
        #expect(set.profile(for: "zzz").name == "slow")
        let single = try MockProfileSet.parse(#"{"ttft_ms": 50, "tokens_per_s": 0}"#).get()
        #expect(single.fallback.ttftMilliseconds == .fixed(50))

        guard
            case .failure(let issues) = MockProfileSet.parse(
                #"{"profiles": [{"match": "x", "ttft": 5, "errors": {"418": 1}, "style": "loud"}]}"#)
        else {
            Issue.record("accepted a bad profile file")
            return
        }
        let paths = Set(issues.errors.map(\.path.description))
        #expect(paths == ["profiles[0].ttft", "profiles[0].errors.418", "profiles[0].style"], "\(issues)")
        #expect(issues.errors.first { $0.path.description == "profiles[0].ttft" }?.fix == "did you mean \"ttft_ms\"?")
    }
}
