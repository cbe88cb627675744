import ABCore
import ABTUI

/// A fixed, fully deterministic frame: entities with latencies, errors, tokens, epochs, events and outputs.
enum FrameFixture {
    static let ms: UInt64 = 1_000_000

    static func frame(entities count: Int = 2, mode: RunMode = .split, time: Double = 95) -> DashboardFrame {
        let names = [
            "served_model_name_1", "served_model_name_2", "canary-llama", "haiku", "mini", "opus", "local", "backup",
        ]
        let models = [
            "gpt-4", "claude-3-opus-20240229", "llama-3.1-8b", "claude-3-haiku", "gpt-4o-mini", "claude-opus-4",
            "qwen2", "gpt-4.1",
        ]
        let infos = (0..<count).map {
            EntityInfo(name: names[$0], model: models[$0], provider: $0 % 2 == 0 ? "openai" : "anthropic")
        }
        var weights = Weights.even(count: count)
        if count == 2 { weights = Weights([60, 40])! }
        var stats = StatsAggregator(entities: infos, epoch: SplitEpoch(index: 0, weights: weights, startedAt: 0))
        var records: [RequestRecord] = []
        var pending: [RequestOutcome] = []
        for i in 0..<400 {
            let entity = i % count
            let e2e = UInt64(400 + entity * 350 + (i * 37) % 300) * ms
            let ttft = UInt64(120 + entity * 90 + (i * 13) % 60) * ms
            let error: ErrorKind? = i % 53 == 0 ? .rateLimited : (i % 97 == 0 ? .http5xx : nil)
            var outcome = RequestOutcome(
                entity: entity, epoch: 0, retries: error == nil ? 0 : 1,
                timing: RequestTiming(start: 0, firstByte: ttft / 2, firstToken: ttft, end: e2e),
                streamed: true, status: error == nil ? 200 : 429, error: error,
                usage: TokenUsage(input: 30, output: 120 + entity * 40), costUSD: 0.002 * Double(entity + 1))
            if mode == .compare { outcome.countsTowardSplit = false } else { stats.assigned(entity: entity, epoch: 0) }
            stats.record(outcome, at: Double(i) * time / 400)
            if mode == .compare { pending.append(outcome) }
            if pending.count == count {
                stats.recordPaired(pending)
                pending = []
            }
            let group = mode == .compare ? i / count : nil
            records.append(
                RequestRecord(
                    outcome: outcome, promptID: "p\(i / count)",
                    prompt: "Explain how database indexes speed up queries.",
                    output: entity == 0
                        ? "Indexes let the database find rows without scanning the whole table. 数据库 indexes 🙂 trade write speed for read speed."
                        : "Let's look at indexes carefully.\n\n1. **B-trees**: keep keys sorted so lookups take log n steps.\n\n2. **Costs**: every insert must update the index too.",
                    group: group))
        }
        let snapshot = stats.snapshot(at: time)
        var frame = DashboardFrame(
            endpoint: "mix-chat-endpoint", mode: mode, snapshot: snapshot,
            verdicts: stats.verdicts(settings: .init(streaming: true, paired: mode == .compare)), srm: stats.srm(),
            events: [
                EngineEvent(
                    time: 12, entity: 1, kind: .error(.rateLimited),
                    message: "served_model_name_2: rate_limited 429: slow down"),
                EngineEvent(time: 13, entity: 1, kind: .retry, message: "served_model_name_2: retry 1 in 1000 ms"),
                EngineEvent(time: 40, entity: nil, kind: .split, message: "split 60/40 (epoch 0)"),
            ],
            records: records, rate: 4)
        frame.breakerLabels = count > 1 ? [nil, "cooling 7s"] : [nil]
        if mode == .compare {
            // The last few complete groups, as the session keeps them.
            let byGroup = Dictionary(grouping: records.filter { $0.group != nil }, by: { $0.group! })
            frame.groups = byGroup.keys.sorted().suffix(5).compactMap { CompareGroup(byGroup[$0]!) }
        }
        return frame
    }
}
