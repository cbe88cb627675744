import ABCore
import ABTUI

/// abtop's benchmarks. Run a release build: `make bench` (or `swift run -c release Benchmarks [name]`).
///
/// Each benchmark times batches of operations and prints the median, p10 and p90 cost per operation, so one
/// slow batch (a page fault, the other core busy) does not move the figure.
struct Bench {
    let name: String
    let detail: String
    let run: () -> Void
}

func measure(_ name: String, batches: Int = 60, opsPerBatch: Int, _ body: (Int) -> Int) {
    let clock = ContinuousClock()
    var sink = 0
    _ = body(opsPerBatch)  // warm up
    var perOp: [Double] = []
    for _ in 0..<batches {
        let start = clock.now
        sink &+= body(opsPerBatch)
        let elapsed = clock.now - start
        let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        perOp.append(ns / Double(opsPerBatch))
    }
    perOp.sort()
    func at(_ q: Double) -> Double { perOp[Int(q * Double(perOp.count - 1))] }
    let line =
        "\(name): median \(fmt(at(0.5))) ns/op (p10 \(fmt(at(0.1))), p90 \(fmt(at(0.9)))), "
        + "\(batches) batches × \(opsPerBatch) ops [check \(sink & 1)]"
    print(line)
}

func fmt(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    return "\(r)"
}

/// One request's worth of core work: a weighted pick, then recording its outcome (three histograms, counters,
/// per-epoch counts, per-second bucket, raw samples for the rank tests).
func routerPickAndRecord() {
    let infos = (0..<2).map { EntityInfo(name: "e\($0)", model: "m\($0)", provider: "openai") }
    for strategy in RoutingStrategy.allCases {
        var router = Router(weights: Weights([50, 50])!, strategy: strategy, seed: 1)
        var stats = StatsAggregator(entities: infos, epoch: router.epoch)
        var rng = SplitMix64(seed: 3)
        var t = 0.0
        let available = [true, true]
        measure("router pick + stats record (\(strategy.rawValue), 2 entities)", opsPerBatch: 20_000) { n in
            var acc = 0
            for _ in 0..<n {
                let entity = router.pick(available: available)!
                let e2e = 200_000_000 + UInt64(rng.below(400_000_000))
                let ttft = 50_000_000 + UInt64(rng.below(100_000_000))
                let outcome = RequestOutcome(
                    entity: entity, epoch: router.epoch.index,
                    timing: RequestTiming(start: 0, firstByte: ttft - 1_000, firstToken: ttft, end: e2e),
                    streamed: true, usage: TokenUsage(input: 40, output: 200), costUSD: 0.001)
                stats.requestStarted(entity: entity)
                stats.record(outcome, at: t)
                t += 0.0001
                acc &+= entity
            }
            return acc
        }
    }
}

/// A dashboard frame's snapshot of 8 entities.
func snapshotCost() {
    let infos = (0..<8).map { EntityInfo(name: "e\($0)", model: "m\($0)", provider: "openai") }
    var router = Router(weights: Weights.even(count: 8), seed: 1)
    var stats = StatsAggregator(entities: infos, epoch: router.epoch)
    for i in 0..<100_000 {
        let entity = router.pick()!
        stats.record(
            RequestOutcome(
                entity: entity, epoch: 0,
                timing: RequestTiming(
                    start: 0, firstToken: UInt64(i % 1000) * 100_000,
                    end: UInt64(i % 5000) * 200_000 + 100_000_000),
                streamed: true, usage: TokenUsage(input: 10, output: 100)), at: Double(i) / 1000)
    }
    measure("snapshot of 8 entities after 100k requests", batches: 40, opsPerBatch: 200) { n in
        var acc = 0
        for _ in 0..<n { acc &+= stats.snapshot(at: 100).entities.count }
        return acc
    }
}

/// A dashboard frame for 8 entities: snapshot → render into a 120×40 canvas → diff against the previous frame
/// (what the terminal then writes). The data changes between frames, as it does live.
func dashboardFrame() {
    let infos = (0..<8).map { EntityInfo(name: "entity-\($0)", model: "model-\($0)", provider: "openai") }
    var router = Router(weights: Weights.even(count: 8), seed: 1)
    var stats = StatsAggregator(entities: infos, epoch: router.epoch)
    var records: [RequestRecord] = []
    var t = 0.0
    func feed(_ n: Int) {
        for i in 0..<n {
            let entity = router.pick()!
            let outcome = RequestOutcome(
                entity: entity, epoch: 0,
                timing: RequestTiming(
                    start: 0, firstToken: UInt64(100 + i % 50) * 1_000_000,
                    end: UInt64(300 + (i * 7) % 900) * 1_000_000),
                streamed: true, usage: TokenUsage(input: 20, output: 150))
            t += 0.01
            stats.record(outcome, at: t)
            records.append(
                RequestRecord(
                    outcome: outcome, promptID: "p\(i)", prompt: "Explain caching in two paragraphs.",
                    output: String(repeating: "Caches keep hot data close to where it is used. ", count: 6)))
        }
        if records.count > 200 { records.removeFirst(records.count - 200) }
    }
    feed(20_000)
    var previous: Canvas?
    var state = DashboardState()
    state.selected = 3
    measure("dashboard frame, 8 entities, 120×40 (snapshot + render + diff)", batches: 40, opsPerBatch: 20) { n in
        var changed = 0
        for _ in 0..<n {
            feed(10)
            let frame = DashboardFrame(
                endpoint: "bench", mode: .split, snapshot: stats.snapshot(at: t),
                records: records, rate: 10)
            let canvas = DashboardView.render(frame, state: state, width: 120, height: 40)
            changed += canvas.changes(from: previous).count
            previous = canvas
        }
        return changed
    }
}

let benches = [
    Bench(name: "router", detail: "router pick + stats record per request", run: routerPickAndRecord),
    Bench(name: "snapshot", detail: "Snapshot of 8 entities", run: snapshotCost),
    Bench(name: "frame", detail: "dashboard frame of 8 entities", run: dashboardFrame),
    Bench(
        name: "redaction", detail: "redactor cost per answer byte at 1, 100 and 4,096 secrets",
        run: redactionCost),
    Bench(
        name: "analysis", detail: "stats lock hold, analysis and memory at 10k, 100k and 1M requests",
        run: analysisCost),
    Bench(
        name: "decode", detail: "a provider's answer and a stream chunk, full vs selective JSON parse",
        run: answerDecoding),
]
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "latency-pair" {
    await latencyPair(Array(arguments.dropFirst()))
} else if arguments.first == "engine-serve" {
    await engineServe(Array(arguments.dropFirst()))
} else if arguments.first == "first-content" {
    await firstContent(Array(arguments.dropFirst()))
} else if arguments.first == "verdicts" {
    verdictSimulation(Array(arguments.dropFirst()))
} else if arguments.first == "rollout-trace" {
    rolloutTrace()
} else if arguments.first == "rollouts" {
    rolloutSimulation(Array(arguments.dropFirst()))
} else {
    let wanted = Set(arguments)
    for bench in benches where wanted.isEmpty || wanted.contains(bench.name) {
        bench.run()
    }
}
