import ABCore
import Testing

@testable import ABTUI

/// Compare mode with tools: the side-by-side pane shows each arm's call as a call and whether the prompt's
/// expectation was met; the routes table shows each arm's settings and its pass rate.
@Suite struct ToolCallPaneTests {
    static func frame() -> DashboardFrame {
        let infos = [
            EntityInfo(name: "prompt-v1", model: "gpt-4o-mini", provider: "openai", settings: "temperature 0"),
            EntityInfo(name: "prompt-v2", model: "gpt-4o-mini", provider: "openai", settings: "temperature 0.7"),
        ]
        var stats = StatsAggregator(
            entities: infos, epoch: SplitEpoch(index: 0, weights: Weights([50, 50])!, startedAt: 0))
        var records: [RequestRecord] = []
        let calls = [
            ToolCall(id: "a", name: "get_weather", arguments: #"{"city":"Paris","unit":"c"}"#),
            ToolCall(id: "b", name: "get_time", arguments: #"{"city":"Paris"}"#),
        ]
        for i in 0..<20 {
            let entity = i % 2
            var outcome = RequestOutcome(
                entity: entity, epoch: 0,
                timing: RequestTiming(start: 0, firstByte: 1_000_000, firstToken: 2_000_000, end: 9_000_000),
                streamed: true, usage: TokenUsage(input: 10, output: 12))
            outcome.countsTowardSplit = false
            let check =
                entity == 0
                ? Expectation.Check(passed: true, reason: "")
                : Expectation.Check(passed: false, reason: "called get_time, not get_weather")
            outcome.checkPassed = check.passed
            stats.record(outcome, at: Double(i))
            var r = RequestRecord(
                outcome: outcome, promptID: "p\(i / 2)", prompt: "What is the weather in Paris?",
                output: ToolCall.output(text: "", calls: [calls[entity]]), group: i / 2, toolCalls: [calls[entity]])
            r.check = check
            records.append(r)
        }
        var frame = DashboardFrame(
            endpoint: "tools", mode: .compare, snapshot: stats.snapshot(at: 20), events: [], records: records, rate: 1)
        frame.groups = (0..<10).compactMap { g in CompareGroup(records.filter { $0.group == g }) }
        return frame
    }

    @Test func callsShowAsCallsWithTheirCheckAndArmsShowTheirSettings() {
        var state = DashboardState()
        state.absorb(Self.frame())
        // Names revealed (the vote's blindness is tested elsewhere).
        _ = state.handle(.char("1"), frame: Self.frame(), themeCount: 1)
        let text = DashboardView.render(Self.frame(), state: state, width: 120, height: 40).text
        #expect(text.contains(#"→ get_weather({"city":"Paris","unit":"c"})"#), "\(text)")
        #expect(text.contains(#"→ get_time({"city":"Paris"})"#))
        #expect(text.contains("✓") && text.contains("✗ called get_time"))
        #expect(text.contains("ARM SETTINGS") && text.contains("temperature 0.7"))
        #expect(text.contains("PASS") && text.contains("100%") && text.contains("0%"))
    }
}

/// An embeddings endpoint's dashboard leaves out what does not apply: no TTFT, no decode speed.
@Suite struct EmbeddingsDashboardTests {
    @Test func noTTFTOrTokensPerSecondForEmbeddings() {
        var frame = FrameFixture.frame()
        let chat = DashboardView.render(frame, state: DashboardState(), width: 120, height: 40).text
        #expect(chat.contains("TTFT") && chat.contains("TOK/S"))
        frame.task = .embeddings
        let routes = DashboardView.render(frame, state: DashboardState(), width: 120, height: 40).text
            .components(separatedBy: "latency")[0]
        #expect(!routes.contains("TTFT") && !routes.contains("TOK/S") && routes.contains("P50"))
    }
}
