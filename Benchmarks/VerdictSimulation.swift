import ABCore
import Foundation

/// `Benchmarks verdicts [sessions]`: seeded simulations of the verdicts, no network, through the real
/// `StatsAggregator` (tickets at send, outcomes recorded when they finish, in whatever order) and `VerdictAnalysis`.
///
/// Validity — each scenario counts the sessions in which a verdict ever said something false (a "decided" where
/// there is no difference or in the wrong direction; an interval that missed the truth at some read):
/// 1. A/A, instant answers, read after every request; lopsided A/A (rare errors, a 1 % or 5 % arm).
/// 2. A slow arm: 1 s against 20 s (open loop, requests in flight, cut off at the end), read every second:
///    the p50 and p95 intervals of B − A and B / A must hold the true values at every read.
/// 3. Equal medians, different spreads (σ 0.2 vs 0.7), in flight: p50 must not be decided.
/// 4. Compare mode A/A with skewed per-prompt ratios (3 % stalls, retries, failures): the paired verdicts.
/// 5. A sorted prompt file (B faster on the first half, slower overall): how often the first decision is wrong,
///    in file order and in abtop's shuffled order.
/// 6. Sticky sessions of 5 and 20 requests: sample-ratio alarms on a healthy split, counting requests and
///    counting each session's first pick.
/// 7. The first 30 observations: one arm's p50 interval must hold the median at every t.
/// 8. Cost per request with real skew (lognormal prompt lengths, answers cut at max_tokens, failures billed
///    nothing): A/A decided, and for a 16× cheaper arm the pairs to decide and intervals that missed the truth.
///
/// Power — requests (both arms) until a 20 % slower p50, and 5 % vs 7 % errors, are decided, against the
/// fixed-horizon sample for the same difference (80 % power, α = 0.05, one test, no peeking).
func verdictSimulation(_ arguments: [String]) {
    let sessions = arguments.first.flatMap(Int.init) ?? 1_000
    let only = arguments.dropFirst().first
    let started = Date()
    func run(_ name: String, _ body: () -> Void) {
        guard only == nil || only == name else { return }
        let t0 = Date()
        body()
        print("  (\(name): \(Int(Date().timeIntervalSince(t0))) s)")
    }
    run("aa") { aaFalseAlarms(sessions: sessions) }
    run("lopsided") {
        lopsidedFalseAlarms(sessions: sessions / 2, share: 0.05, errorRate: 0.002)
        lopsidedFalseAlarms(sessions: sessions / 2, share: 0.01, errorRate: 0.01)
    }
    run("slow") { slowArm(sessions: max(100, sessions / 5)) }
    run("spreads") { equalMediansDifferentSpreads(sessions: max(200, sessions / 2)) }
    run("paired") { skewedPairedAA(sessions: sessions) }
    run("sorted") { sortedPromptFile(sessions: max(200, sessions / 2)) }
    run("sticky") { stickySRM(runs: max(200, sessions / 2)) }
    run("first30") { firstObservations(sessions: sessions * 5) }
    run("cost") { costVerdicts(sessions: sessions) }
    run("power") { power(sessions: max(100, sessions / 5)) }
    print("verdicts: done in \(Int(Date().timeIntervalSince(started))) s")
}

// MARK: - A simulated session

/// Two or more arms through the real aggregator: a request takes its ticket when sent and is recorded when it
/// finishes, so requests in flight and out-of-order completions are what the analysis really sees.
private struct SimSession {
    var stats: StatsAggregator
    var analysis: VerdictAnalysis

    init(arms: Int, weights: [Int]? = nil, settings: VerdictAnalysis.Settings) {
        let infos = (0..<arms).map {
            EntityInfo(name: "\(Character(UnicodeScalar(97 + $0)!))", model: "m", provider: "openai")
        }
        let w = weights.flatMap(Weights.init) ?? Weights.even(count: arms)
        stats = StatsAggregator(entities: infos, epoch: SplitEpoch(index: 0, weights: w, startedAt: 0))
        analysis = VerdictAnalysis(names: infos.map(\.name), settings: settings)
    }

    /// Sends a request to `arm`: its ticket.
    mutating func send(_ arm: Int) -> Int {
        stats.assigned(entity: arm, epoch: 0)
        return stats.requestStarted(entity: arm)!
    }

    /// `arm`'s request `ticket` finished after `ms` (failed, or cut off by the run).
    mutating func finish(
        _ arm: Int, ticket: Int?, ms: Double, failed: Bool = false, cancelled: Bool = false, cost: Double? = nil
    ) {
        var o = RequestOutcome(
            entity: arm, epoch: 0, timing: RequestTiming(start: 0, end: UInt64(max(0, ms) * 1e6)), streamed: false,
            error: cancelled ? .cancelled : (failed ? .http5xx : nil), costUSD: cost)
        o.issue = ticket
        stats.record(o, at: 0)
    }

    mutating func read() -> [Verdict] {
        analysis.verdicts(arms: stats.armSamples, paired: analysis.settings.paired ? stats.pairedSamples : [])
    }
}

/// A pending completion in an open-loop simulation.
private struct Pending {
    let end: Double
    let arm: Int
    let ticket: Int
    let ms: Double
    let failed: Bool
}

/// An open loop: Poisson arrivals at `rate` for `duration` seconds, each to arm 0 or 1 by `share`, latency and
/// failure from `draw`; `read` is called every `readEvery` seconds with the session; at the end the requests
/// still in flight are cut off (cancelled at the time they had taken) and a last read is made.
private func openLoop(
    seed: UInt64, rate: Double, duration: Double, readEvery: Double = 1, settings: VerdictAnalysis.Settings,
    draw: (inout SplitMix64, Int) -> (ms: Double, failed: Bool), read: (inout SimSession, Double) -> Void
) {
    var rng = SplitMix64(seed: seed)
    var session = SimSession(arms: 2, settings: settings)
    var pending: [Pending] = []
    var t = 0.0
    var nextRead = readEvery
    func drain(until time: Double, _ session: inout SimSession) {
        pending.sort { $0.end < $1.end }
        var k = 0
        while k < pending.count, pending[k].end <= time {
            let p = pending[k]
            session.finish(p.arm, ticket: p.ticket, ms: p.ms, failed: p.failed)
            k += 1
        }
        pending.removeFirst(k)
    }
    while true {
        t += -log(1 - rng.unit()) / rate
        while nextRead <= min(t, duration) {
            drain(until: nextRead, &session)
            read(&session, nextRead)
            nextRead += readEvery
        }
        guard t < duration else { break }
        drain(until: t, &session)
        let arm = rng.unit() < 0.5 ? 0 : 1
        let ticket = session.send(arm)
        let (ms, failed) = draw(&rng, arm)
        pending.append(Pending(end: t + ms / 1000, arm: arm, ticket: ticket, ms: ms, failed: failed))
    }
    drain(until: duration, &session)
    for p in pending {
        session.finish(p.arm, ticket: p.ticket, ms: (duration - (p.end - p.ms / 1000)) * 1000, cancelled: true)
    }
    read(&session, duration)
}

private func lognormal(_ rng: inout SplitMix64, median: Double, sigma: Double) -> Double {
    // Box–Muller from two uniforms.
    let u1 = max(rng.unit(), 1e-300)
    let u2 = rng.unit()
    let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    return median * exp(sigma * z)
}

private func rate(_ k: Int, of n: Int) -> String {
    let p = Double(k) / Double(max(1, n))
    let se = (p * (1 - p) / Double(max(1, n))).squareRoot()
    return "\(fixedPoint(p * 100, places: 2)) % (± \(fixedPoint(2 * se * 100, places: 2)))"
}

/// The scenarios before issue 24 ran unpriced (a family of 3 in split mode); a priced session adds cost.
private let splitSettings = VerdictAnalysis.Settings(alpha: 0.05, streaming: false, paired: false, cost: false)

// MARK: - Validity

private func aaFalseAlarms(sessions: Int) {
    let perArm = 400
    var anyAlarm = 0
    var alarms: [Verdict.Metric: Int] = [:]
    var fixedAny = 0
    for s in 0..<sessions {
        var rng = SplitMix64(seed: 0xA0A0 &+ UInt64(s))
        var sim = SimSession(arms: 2, settings: splitSettings)
        var alarmed = Set<Verdict.Metric>()
        var fixed = FixedHorizon()
        var counts = [0, 0]
        while counts[0] < perArm || counts[1] < perArm {
            let arm = rng.unit() < 0.5 ? 0 : 1
            guard counts[arm] < perArm else { continue }
            counts[arm] += 1
            let failed = rng.unit() < 0.05
            let ms = lognormal(&rng, median: 800, sigma: 0.3)
            sim.finish(arm, ticket: sim.send(arm), ms: ms, failed: failed)
            fixed.add(arm: arm, failed: failed, ms: ms)
            for v in sim.read() where v.state == .decided { alarmed.insert(v.metric) }
        }
        if !alarmed.isEmpty { anyAlarm += 1 }
        for m in alarmed { alarms[m, default: 0] += 1 }
        if fixed.alarmed { fixedAny += 1 }
    }
    print("verdicts A/A: \(sessions) sessions × \(perArm) requests per arm, read after every request, α = 0.05")
    print("  family (any of error rate, p50, p95 decided at any read): \(rate(anyAlarm, of: sessions))")
    for m in [Verdict.Metric.errorRate, .latencyE2EP50, .latencyE2EP95] {
        print("  \(m.rawValue): \(rate(alarms[m] ?? 0, of: sessions))")
    }
    print("  fixed-horizon tests (z-test on errors, on log latency), peeking: either \(rate(fixedAny, of: sessions))")
}

/// The fixed-horizon tests a peeking user would run, read after every request.
private struct FixedHorizon {
    var errors = [Moments(), Moments()]
    var logs = [Moments(), Moments()]
    var alarmed = false

    mutating func add(arm: Int, failed: Bool, ms: Double) {
        errors[arm].add(failed ? 1 : 0)
        if !failed { logs[arm].add(log(ms)) }
        if z(errors, pooled: true) > 1.959963984540054 || z(logs, pooled: false) > 1.959963984540054 {
            alarmed = true
        }
    }

    private func z(_ m: [Moments], pooled: Bool) -> Double {
        guard m[0].count >= 10, m[1].count >= 10 else { return 0 }
        let (a, b) = (m[0], m[1])
        let se: Double
        if pooled {
            let pool = (a.sum + b.sum) / Double(a.count + b.count)
            se = (pool * (1 - pool) * (1 / Double(a.count) + 1 / Double(b.count))).squareRoot()
        } else {
            se =
                (a.squaredDeviations / Double(a.count - 1) / Double(a.count)
                + b.squaredDeviations / Double(b.count - 1) / Double(b.count)).squareRoot()
        }
        return se > 0 ? abs(b.mean - a.mean) / se : 0
    }
}

/// A/A on a lopsided split with rare errors, 4,000 requests a session, read every 10.
private func lopsidedFalseAlarms(sessions: Int, share: Double, errorRate: Double) {
    var alarms = 0
    for s in 0..<sessions {
        var rng = SplitMix64(seed: 0xD0D0 &+ UInt64(s))
        var sim = SimSession(arms: 2, settings: splitSettings)
        var alarmed = false
        for n in 0..<4_000 {
            let arm = rng.unit() < share ? 1 : 0
            sim.finish(arm, ticket: sim.send(arm), ms: 500, failed: rng.unit() < errorRate)
            if n % 10 == 9, !alarmed, sim.read()[0].state == .decided { alarmed = true }
        }
        if alarmed { alarms += 1 }
    }
    print(
        "verdicts A/A lopsided: \(sessions) sessions × 4,000 requests, B's share \(fixedPoint(share * 100, places: 0)) %, "
            + "errors \(fixedPoint(errorRate * 100, places: 1)) % on both: error_rate decided in "
            + rate(alarms, of: sessions))
}

/// 1 s against 20 s (lognormal σ 0.5 both, so B/A = 20 at every quantile), 2 requests a second for 5 minutes:
/// at every read, do the intervals hold the truth?
private func slowArm(sessions: Int) {
    let z95 = 1.6448536269514722
    let truth: [Verdict.Metric: (difference: Double, ratio: Double)] = [
        .latencyE2EP50: (19_000, 20), .latencyE2EP95: (19_000 * exp(0.5 * z95), 20),
    ]
    var missed: [Verdict.Metric: Int] = [:]
    var wrong = 0
    var decided = 0
    for s in 0..<sessions {
        var miss = Set<Verdict.Metric>()
        var wrongWay = false
        var decidedP50 = false
        openLoop(
            seed: 0x51_0000 &+ UInt64(s), rate: 2, duration: 300, settings: splitSettings,
            draw: { rng, arm in (lognormal(&rng, median: arm == 0 ? 1_000 : 20_000, sigma: 0.5), false) },
            read: { sim, _ in
                for v in sim.read() {
                    guard let t = truth[v.metric] else { continue }
                    if let l = v.low, l > t.difference { miss.insert(v.metric) }
                    if let h = v.high, h < t.difference { miss.insert(v.metric) }
                    if let l = v.ratioLow, l > t.ratio { miss.insert(v.metric) }
                    if let h = v.ratioHigh, h < t.ratio { miss.insert(v.metric) }
                    if v.state == .decided, (v.ratioHigh ?? .infinity) < 1 { wrongWay = true }
                    if v.metric == .latencyE2EP50, v.state == .decided { decidedP50 = true }
                }
            })
        for m in miss { missed[m, default: 0] += 1 }
        if wrongWay { wrong += 1 }
        if decidedP50 { decided += 1 }
    }
    print(
        "verdicts slow arm: \(sessions) sessions, 1 s vs 20 s, 2 req/s for 300 s, read every second, in flight cut off at the end"
    )
    for m in [Verdict.Metric.latencyE2EP50, .latencyE2EP95] {
        print(
            "  \(m.rawValue): an interval missed the true B − A or B / A at some read in \(rate(missed[m] ?? 0, of: sessions))"
        )
    }
    print(
        "  decided the wrong way: \(rate(wrong, of: sessions)); p50 decided (B slower) in \(rate(decided, of: sessions))"
    )
}

/// Equal medians (1 s), σ 0.2 against 0.7, 10 requests a second for 5 minutes, read every second.
private func equalMediansDifferentSpreads(sessions: Int) {
    var decided = 0
    var missed = 0
    for s in 0..<sessions {
        var alarmed = false
        var miss = false
        openLoop(
            seed: 0x52_0000 &+ UInt64(s), rate: 10, duration: 300, settings: splitSettings,
            draw: { rng, arm in (lognormal(&rng, median: 1_000, sigma: arm == 0 ? 0.2 : 0.7), false) },
            read: { sim, _ in
                let v = sim.read().first { $0.metric == .latencyE2EP50 }!
                if v.state == .decided { alarmed = true }
                if (v.low ?? -.infinity) > 0 || (v.high ?? .infinity) < 0 { miss = true }
            })
        if alarmed { decided += 1 }
        if miss { missed += 1 }
    }
    let budget = splitSettings.alpha / 3
    print(
        "verdicts equal medians, σ 0.2 vs 0.7 (\(sessions) sessions, 10 req/s for 300 s, read every second): p50 decided in "
            + "\(rate(decided, of: sessions)) against a budget of \(fixedPoint(budget * 100, places: 2)) %; "
            + "its interval excluded 0 at some read in \(rate(missed, of: sessions))")
}

/// Compare mode, A/A: each prompt's difficulty (lognormal σ 0.8) times each side's own noise (σ 0.2), each side
/// stalling 10× on 3 % of prompts, retrying (+2 s) on 5 %, failing on 2 %; 400 prompts, read after each.
private func skewedPairedAA(sessions: Int) {
    let settings = VerdictAnalysis.Settings(alpha: 0.05, streaming: false, paired: true)
    var alarms: [Verdict.Metric: Int] = [:]
    for s in 0..<sessions {
        var rng = SplitMix64(seed: 0x53_0000 &+ UInt64(s))
        var sim = SimSession(arms: 2, settings: settings)
        var alarmed = Set<Verdict.Metric>()
        for n in 0..<400 {
            let difficulty = lognormal(&rng, median: 1_000, sigma: 0.8)
            var outcomes: [RequestOutcome] = []
            for arm in 0..<2 {
                var ms = difficulty * lognormal(&rng, median: 1, sigma: 0.2)
                if rng.unit() < 0.03 { ms *= 10 }
                if rng.unit() < 0.05 { ms += 2_000 }
                let failed = rng.unit() < 0.02
                var o = RequestOutcome(
                    entity: arm, epoch: 0, timing: RequestTiming(start: 0, end: UInt64(ms * 1e6)), streamed: false,
                    error: failed ? .http5xx : nil)
                o.countsTowardSplit = false
                o.issue = sim.stats.requestStarted(entity: arm)
                sim.stats.record(o, at: 0)
                outcomes.append(o)
            }
            sim.stats.recordPaired(outcomes, ticket: sim.stats.promptIssued())
            guard n % 2 == 1 else { continue }
            for v in sim.read() where v.state == .decided { alarmed.insert(v.metric) }
        }
        for m in alarmed { alarms[m, default: 0] += 1 }
    }
    print(
        "verdicts compare-mode A/A, skewed per-prompt ratios (3 % stalls ×10, 5 % retries +2 s, 2 % failures; "
            + "\(sessions) sessions × 400 prompts, read every 2; family of 5, budget 1.00 % each):")
    for m in [Verdict.Metric.latencyE2EPaired, .errorRatePaired, .latencyE2EP50, .errorRate] {
        print("  \(m.rawValue): decided in \(rate(alarms[m] ?? 0, of: sessions))")
    }
}

/// A prompt file of 200 prompts sorted by topic: on the first 100, B takes 0.6× A's time; on the rest 2×. Overall
/// B's median is slower. Split mode, 20 requests a second for 3 minutes, read every second; which way does the
/// first decision go, with prompts in file order and in abtop's shuffled order?
private func sortedPromptFile(sessions: Int) {
    for shuffled in [false, true] {
        var wrongFirst = 0
        var anyDecided = 0
        for s in 0..<sessions {
            let order = PromptOrder(count: 200, seed: 0x54_0000 &+ UInt64(s))
            var n = 0
            var first: Bool?
            openLoop(
                seed: 0x55_0000 &+ UInt64(s), rate: 20, duration: 180, settings: splitSettings,
                draw: { rng, arm in
                    let prompt = shuffled ? order.index(n) : n % 200
                    n += 1
                    let base = lognormal(&rng, median: 1_000, sigma: 0.3)
                    return (arm == 0 ? base : base * (prompt < 100 ? 0.6 : 2.0), false)
                },
                read: { sim, _ in
                    guard first == nil else { return }
                    let v = sim.read().first { $0.metric == .latencyE2EP50 }!
                    if v.state == .decided { first = (v.ratioLow ?? 0) > 1 }
                })
            if let first {
                anyDecided += 1
                if !first { wrongFirst += 1 }
            }
        }
        print(
            "verdicts sorted prompt file, \(shuffled ? "shuffled (abtop)" : "file order"): \(sessions) sessions; "
                + "p50 decided in \(rate(anyDecided, of: sessions)); first decision \"B faster\" (wrong) in "
                + rate(wrongFirst, of: sessions))
    }
}

/// Sticky sessions through the real router (sticky routing, 50/50): 10,000 requests in sessions of `length`
/// requests; SRM read every 100 requests, counting every request (as before) and each session's first pick.
private func stickySRM(runs: Int) {
    for length in [5, 20] {
        var flaggedRequests = 0
        var flaggedSessions = 0
        for r in 0..<runs {
            var router = Router(weights: Weights([50, 50])!, seed: UInt64(r), sticky: true)
            var byRequest = [0, 0]
            var bySession = [0, 0]
            var minRequest = 1.0
            var minSession = 1.0
            for n in 0..<10_000 {
                let key = "run\(r)-session\(n / length)"
                let entity = router.pick(stickyKey: key)!
                byRequest[entity] += 1
                if !router.lastPickRepeatedKey { bySession[entity] += 1 }
                if n % 100 == 99 {
                    minRequest = min(minRequest, SRMResult.pValue(observed: byRequest, shares: [50, 50]) ?? 1)
                    minSession = min(minSession, SRMResult.pValue(observed: bySession, shares: [50, 50]) ?? 1)
                }
            }
            if minRequest <= SRMResult.threshold { flaggedRequests += 1 }
            if minSession <= SRMResult.threshold { flaggedSessions += 1 }
        }
        print(
            "verdicts sticky sessions of \(length) (\(runs) runs × 10,000 requests, healthy 50/50): SRM flagged "
                + "counting requests \(rate(flaggedRequests, of: runs)), counting first picks (abtop) "
                + "\(rate(flaggedSessions, of: runs)); bound 0.10 %")
    }
}

/// One arm's p50 interval (α = 0.05) read at every t from 1 to 30: does it hold the true median at every t?
private func firstObservations(sessions: Int) {
    var missed = 0
    var bounded = 0
    for s in 0..<sessions {
        var rng = SplitMix64(seed: 0x56_0000 &+ UInt64(s))
        var values: [Double] = []
        var miss = false
        for _ in 0..<30 {
            values.append(lognormal(&rng, median: 1_000, sigma: 0.5))
            let i = QuantileInterval(SortedSample(values), p: 0.5, alpha: 0.05)
            if let l = i.lower, l > 1_000 { miss = true }
            if let u = i.upper, u < 1_000 { miss = true }
        }
        if QuantileInterval(SortedSample(values), p: 0.5, alpha: 0.05).lower != nil { bounded += 1 }
        if miss { missed += 1 }
    }
    print(
        "verdicts first 30 observations (\(sessions) sessions, one arm's p50 at α = 0.05, read at every t): the "
            + "interval missed the median at some t in \(rate(missed, of: sessions)); bounded by t = 30 in "
            + rate(bounded, of: sessions))
}

// MARK: - Power

private func power(sessions: Int) {
    // 20 % slower p50, no errors: read every 2 requests (a dashboard reads several times a second), up to 20,000 requests.
    var latencyNeeded: [Int] = []
    var aaLatency = 0
    // "≈ N more requests" read at the first read past 100 requests, against the requests the decision then took.
    var projectionRatios: [Double] = []
    for s in 0..<sessions {
        for (slower, seed) in [(1.2, 0xB0B0), (1.0, 0xB1B1)] {
            var rng = SplitMix64(seed: UInt64(seed) &+ UInt64(s))
            var sim = SimSession(arms: 2, settings: splitSettings)
            var n = 0
            var decided = false
            var projection: (at: Int, more: Int)?
            while n < (slower > 1 ? 20_000 : 2_000) {
                let arm = rng.unit() < 0.5 ? 0 : 1
                sim.finish(
                    arm, ticket: sim.send(arm), ms: lognormal(&rng, median: arm == 0 ? 800 : 800 * slower, sigma: 0.3))
                n += 1
                guard n % 2 == 0 else { continue }
                let verdict = sim.read().first(where: { $0.metric == .latencyE2EP50 })!
                if verdict.state == .decided {
                    decided = true
                    break
                }
                if projection == nil, n >= 100, let more = projectedMore(verdict.text) { projection = (n, more) }
            }
            if slower > 1 {
                latencyNeeded.append(n)
                if let p = projection, decided, p.more > 0 {
                    projectionRatios.append(Double(n - p.at) / Double(p.more))
                }
            } else if decided {
                aaLatency += 1
            }
        }
    }
    // 5 % vs 7 % errors (no latencies: only the error-rate test decides): read every 50, up to 60,000.
    var errorNeeded: [Int] = []
    var aaErrors = 0
    for s in 0..<sessions {
        for (rateB, seed) in [(0.07, 0xC0C0), (0.05, 0xC1C1)] {
            var rng = SplitMix64(seed: UInt64(seed) &+ UInt64(s))
            var sim = SimSession(arms: 2, settings: splitSettings)
            var n = 0
            var decided = false
            while n < (rateB > 0.05 ? 60_000 : 20_000) {
                let arm = rng.unit() < 0.5 ? 0 : 1
                sim.finish(arm, ticket: sim.send(arm), ms: 500, failed: rng.unit() < (arm == 0 ? 0.05 : rateB))
                n += 1
                guard n % 50 == 0 else { continue }
                if sim.read()[0].state == .decided {
                    decided = true
                    break
                }
            }
            if rateB > 0.05 { errorNeeded.append(n) } else if decided { aaErrors += 1 }
        }
    }
    func summary(_ needed: [Int], cap: Int) -> String {
        let sorted = needed.sorted()
        func at(_ q: Double) -> Int { sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))] }
        let done = needed.filter { $0 < cap }.count
        return "median \(at(0.5)), 80th percentile \(at(0.8)) requests (both arms); decided in \(done) of "
            + "\(needed.count) sessions within \(cap)"
    }
    // Fixed horizon, 80 % power, α = 0.05 two-sided, one test: n per arm = (z₀.₉₇₅ + z₀.₈)² · Σ variance / δ².
    let z = 1.959963984540054 + 0.8416212335729143
    // A median test's asymptotic variance is π/2 times the mean's (normal data): the fair fixed-horizon figure.
    let medianFixed = 2 * Int((z * z * 2 * 0.09 * Double.pi / 2 / (log(1.2) * log(1.2))).rounded(.up))
    let errorFixed = 2 * Int((z * z * (0.05 * 0.95 + 0.07 * 0.93) / (0.02 * 0.02)).rounded(.up))
    print("verdicts power (\(sessions) sessions each; family of 3 at α = 0.05):")
    let medianLatency = latencyNeeded.sorted()[latencyNeeded.count / 2]
    let medianErrors = errorNeeded.sorted()[errorNeeded.count / 2]
    print(
        "  p50 20 % slower (lognormal σ = 0.3): \(summary(latencyNeeded, cap: 20_000)); fixed-horizon median test "
            + "\(medianFixed) (\(fixedPoint(Double(medianLatency) / Double(medianFixed), places: 2))×); "
            + "A/A p50 decided in \(rate(aaLatency, of: sessions)) (2,000 requests)")
    print(
        "  error rate 5 % vs 7 %: \(summary(errorNeeded, cap: 60_000)); fixed-horizon z-test \(errorFixed) "
            + "(\(fixedPoint(Double(medianErrors) / Double(errorFixed), places: 2))×); A/A error rate decided in "
            + "\(rate(aaErrors, of: sessions)) (20,000 requests)")
    let ratios = projectionRatios.sorted()
    if !ratios.isEmpty {
        func at(_ q: Double) -> String {
            fixedPoint(ratios[min(ratios.count - 1, Int(q * Double(ratios.count)))], places: 2)
        }
        print(
            "  \"≈ N more requests\" (p50, read at 100 requests) against what the decision took: median "
                + "\(at(0.5))×, 10th–90th percentile \(at(0.1))–\(at(0.9))× over \(ratios.count) sessions")
    }
}

/// The N of "≈ N more requests" in a verdict's sentence.
private func projectedMore(_ text: String) -> Int? {
    guard let range = text.range(of: "≈ ") else { return nil }
    let number = text[range.upperBound...].prefix { $0.isNumber || $0 == "," }
    return text[number.endIndex...].hasPrefix(" more") ? Int(String(number.filter(\.isNumber))) : nil
}

// MARK: - Cost

/// One request's cost: a prompt of lognormal length (median 300 tokens, σ `spread`), an answer of lognormal length
/// (median 120, σ 0.8) cut at max_tokens 256, 3 % failures billed nothing; prices in USD per million tokens.
private func requestCost(_ rng: inout SplitMix64, spread: Double, price: (Double, Double)) -> (Double, Bool) {
    if rng.unit() < 0.03 { return (0, true) }
    let input = (300 * exp(spread * normalDraw(&rng))).rounded()
    let output = min(256, (120 * exp(0.8 * normalDraw(&rng))).rounded())
    return ((input * price.0 + output * price.1) / 1e6, false)
}

private func normalDraw(_ rng: inout SplitMix64) -> Double {
    (-2 * log(max(rng.unit(), 1e-300))).squareRoot() * cos(2 * Double.pi * rng.unit())
}

/// The cost verdict through the real aggregator: a 50/50 split, requests finishing in a shuffled order (in
/// flight), read every 10 requests, cost in the family (error rate, p50, p95, cost: each at α / 4).
private func costVerdicts(sessions: Int) {
    let settings = VerdictAnalysis.Settings(alpha: 0.05, streaming: false, paired: false, cost: true)
    let big = (2.5, 10.0)
    let small = (0.15, 0.6)
    print("verdicts cost (family of 4 at α = 0.05, read every 10 requests, up to 2,000 requests):")
    for spread in [1.0, 1.6] {
        // The true difference per 1,000 requests, by a large draw of the same distribution.
        var probe = SplitMix64(seed: 4242)
        var total = (0.0, 0.0)
        for _ in 0..<400_000 {
            total.0 += requestCost(&probe, spread: spread, price: big).0
            total.1 += requestCost(&probe, spread: spread, price: small).0
        }
        let truth = (total.1 - total.0) / 400_000 * 1_000
        for (label, prices) in [("A/A", (big, big)), ("16× cheaper", (big, small))] {
            var decided = 0
            var missed = 0
            var wrongWay = 0
            var needed: [Int] = []
            for s in 0..<sessions {
                var rng = SplitMix64(seed: 0xC057 &+ UInt64(s) &* 7_919)
                var sim = SimSession(arms: 2, settings: settings)
                var inFlight: [(arm: Int, ticket: Int, cost: Double, failed: Bool)] = []
                var sessionMissed = false
                for n in 1...2_000 {
                    let arm = rng.unit() < 0.5 ? 0 : 1
                    let (cost, failed) = requestCost(&rng, spread: spread, price: arm == 0 ? prices.0 : prices.1)
                    inFlight.append((arm, sim.send(arm), cost, failed))
                    // Up to 8 in flight, finishing in a random order.
                    if inFlight.count > 8 {
                        let r = inFlight.remove(at: Int(rng.unit() * Double(inFlight.count)))
                        sim.finish(r.arm, ticket: r.ticket, ms: 500, failed: r.failed, cost: r.cost)
                    }
                    guard n % 10 == 0, let v = sim.read().first(where: { $0.metric == .cost }) else { continue }
                    let expected = label == "A/A" ? 0 : truth
                    if let low = v.low, let high = v.high, expected < low || expected > high { sessionMissed = true }
                    if v.state == .decided {
                        decided += 1
                        needed.append(n)
                        if label != "A/A", !v.text.hasPrefix("a costs more") { wrongWay += 1 }
                        break
                    }
                }
                if sessionMissed { missed += 1 }
            }
            needed.sort()
            let median = needed.isEmpty ? "—" : "\(needed[needed.count / 2])"
            print(
                "  prompt lengths σ \(fixedPoint(spread, places: 1)), \(label): decided in \(rate(decided, of: sessions)); "
                    + "interval missed the truth before deciding in \(rate(missed, of: sessions)); wrong way \(wrongWay); "
                    + "median requests to decide \(median)")
        }
    }
}
