import ABCore
import Foundation

/// `Benchmarks rollouts [rollouts] [skewed|slow|break]`: seeded simulations of guarded rollouts through the real
/// `RolloutGuard` (and under it the real `StatsAggregator` and verdicts), no network. A candidate identical to its
/// baseline is ramped over the traffic of issue 16 — an open loop at 100 requests a second with requests in flight,
/// latencies skewed (lognormal σ 1, median 800 ms) or slow (median 8 s, σ 0.8), 1 % errors — its guardrails read
/// every 5 simulated seconds (serve reads every second; a read costs milliseconds here, and 1,000 rollouts must fit
/// in a benchmark run). Counted: rollouts rolled back (each one false), rollouts that reached 100 % and
/// the simulated time they took, and rollouts still ramping after 4 hours. Then a candidate that turns to 30 %
/// errors at its third step: the requests it took to be rolled back.
func rolloutSimulation(_ arguments: [String]) {
    let rollouts = arguments.first.flatMap(Int.init) ?? 1_000
    let started = Date()
    let plan = RolloutPlan(
        baseline: "a", candidate: "b", steps: [5, 25, 50, 100], minStepSeconds: 60, minStepRequests: 200,
        guardrails: [Guardrail(.errorRate, margin: 0.02), Guardrail(.latencyP95, margin: 0.25)], alpha: 0.05)
    print(
        "rollouts: plan steps \(plan.steps), ≥ \(Int(plan.minStepSeconds)) s and ≥ \(plan.minStepRequests) candidate "
            + "requests a step, guardrails error rate +2 points and p95 ×1.25, α \(plan.alpha); "
            + "\(Int(requestRate)) req/s open loop, read every \(Int(readEvery)) s")
    let only = arguments.dropFirst().first
    for (name, median, sigma) in [("skewed", 800.0, 1.0), ("slow", 8_000.0, 0.8)] where only == nil || only == name {
        var rolledBack = 0
        var completed: [Double] = []
        var stalled = 0
        for r in 0..<rollouts {
            let outcome = simulate(
                plan: plan, seed: 0x20_11_00 &+ UInt64(r) &* 7919 &+ (name == "slow" ? 1 : 0), median: median,
                sigma: sigma, breakAtStep: nil)
            switch outcome.phase {
            case .rolledBack: rolledBack += 1
            case .completed: completed.append(outcome.seconds)
            default: stalled += 1
            }
        }
        completed.sort()
        let medianTime = completed.isEmpty ? Double.nan : completed[completed.count / 2]
        print(
            "  A/A \(name) (median \(Int(median)) ms, σ \(sigma)): \(rollouts) rollouts; rolled back (false) "
                + "\(rate(rolledBack, of: rollouts)); reached 100 % \(completed.count), median "
                + "\(fixedPoint(medianTime / 60, places: 1)) min (p90 "
                + "\(fixedPoint((completed.isEmpty ? .nan : completed[Int(Double(completed.count) * 0.9)]) / 60, places: 1)) min); "
                + "still ramping after 4 h \(stalled)")
    }
    guard only == nil || only == "break" else { return }
    var needed: [Int] = []
    var missed = 0
    for r in 0..<max(100, rollouts / 5) {
        let o = simulate(
            plan: plan, seed: 0xBAD_000 &+ UInt64(r), median: 800, sigma: 1.0, breakAtStep: 2)
        if o.phase == .rolledBack, let n = o.requestsAfterBreak { needed.append(n) } else { missed += 1 }
    }
    needed.sort()
    if !needed.isEmpty {
        print(
            "  candidate turning to 30 % errors at step 3 (50 %): rolled back in \(needed.count) of "
                + "\(needed.count + missed); requests after the break until the rollback: median "
                + "\(needed[needed.count / 2]), p95 \(needed[min(needed.count - 1, Int(Double(needed.count) * 0.95))]), "
                + "max \(needed.last!)")
    }
    print("rollouts: done in \(Int(Date().timeIntervalSince(started))) s")
}

/// Requests a second in the simulations, and seconds between reads of the guardrails (serve reads every second;
/// the guarantee holds for any schedule of reads, and reading less often can only decide later).
private let requestRate = 100.0
private let readEvery = 5.0

private struct RolloutRun {
    var phase: RolloutState.Phase
    var seconds: Double
    var requestsAfterBreak: Int?
}

/// One rollout: Poisson arrivals at 50/s, each to the candidate with the step's probability, finished after a
/// lognormal latency (1 % errors; 30 % on the candidate from step `breakAtStep` on), the guard read every second.
private func simulate(
    plan: RolloutPlan, seed: UInt64, median: Double, sigma: Double, breakAtStep: Int?, trace: Bool = false
) -> RolloutRun {
    struct Pending {
        let end: Double
        let entity: Int
        let ticket: Int
        let epoch: Int
        let ms: Double
        let failed: Bool
    }
    var rng = SplitMix64(seed: seed)
    let infos = [
        EntityInfo(name: "a", model: "m", provider: "openai"), EntityInfo(name: "b", model: "m", provider: "openai"),
    ]
    var rollout = RolloutGuard(plan: plan, infos: infos, pairTotal: 100, epoch: 0, priced: false, at: 0)
    var epoch = 0
    var tickets = [0, 0]
    var pending: [Pending] = []
    var t = 0.0
    var nextTick = readEvery
    var brokeAt: Int?
    var sent = 0
    let limit = 4 * 3_600.0
    // `pending` stays sorted by end time (inserted in place), so finishing is a walk from the front.
    func finish(until time: Double, _ g: inout RolloutGuard) {
        var k = 0
        while k < pending.count, pending[k].end <= time {
            let p = pending[k]
            var o = RequestOutcome(
                entity: p.entity, epoch: p.epoch, timing: RequestTiming(start: 0, end: UInt64(p.ms * 1e6)),
                streamed: false, error: p.failed ? .http5xx : nil)
            o.issue = p.ticket
            g.finished(o)
            k += 1
        }
        pending.removeFirst(k)
    }
    while t < limit, !rollout.state.phase.isOver {
        t += -log(1 - rng.unit()) / requestRate
        while nextTick <= t {
            finish(until: nextTick, &rollout)
            let move = rollout.tick(now: nextTick, srm: false, breakerOpen: false)
            if trace, let move {
                print("  \(Int(nextTick)) s: \(move.kind.rawValue) → \(move.percentage) %: \(move.reason)")
            }
            if trace, Int(nextTick) % 300 == 0 {
                print("  \(Int(nextTick)) s: " + rollout.state.line(now: nextTick))
                for r in rollout.state.readings { print("      \(r.metric.rawValue) \(r.state.rawValue): \(r.text)") }
            }
            if let move, move.kind == .advance || move.kind == .complete {
                epoch += 1
                rollout.beginStep(epoch: epoch, at: nextTick)
            }
            nextTick += readEvery
            if rollout.state.phase.isOver { break }
        }
        guard !rollout.state.phase.isOver else { break }
        finish(until: t, &rollout)
        let candidate = rng.unit() * 100 < Double(rollout.state.percentage)
        let entity = candidate ? 1 : 0
        let ticket = tickets[entity]
        tickets[entity] += 1
        rollout.started(entity: entity, ticket: ticket, epoch: epoch)
        let broken = breakAtStep.map { rollout.state.step >= $0 } ?? false
        if broken, brokeAt == nil { brokeAt = sent }
        let failed = rng.unit() < (candidate && broken ? 0.30 : 0.01)
        let ms = failed ? 50 : lognormalDraw(&rng, median: median, sigma: sigma)
        let p = Pending(end: t + ms / 1000, entity: entity, ticket: ticket, epoch: epoch, ms: ms, failed: failed)
        var lo = 0
        var hi = pending.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pending[mid].end <= p.end { lo = mid + 1 } else { hi = mid }
        }
        pending.insert(p, at: lo)
        sent += 1
    }
    return RolloutRun(
        phase: rollout.state.phase, seconds: rollout.state.moves.last?.at ?? t,
        requestsAfterBreak: brokeAt.map { sent - $0 })
}

private func lognormalDraw(_ rng: inout SplitMix64, median: Double, sigma: Double) -> Double {
    let u1 = max(rng.unit(), 1e-300)
    let u2 = rng.unit()
    return median * exp(sigma * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
}

private func rate(_ k: Int, of n: Int) -> String {
    let p = Double(k) / Double(max(1, n))
    let se = (p * (1 - p) / Double(max(1, n))).squareRoot()
    return "\(fixedPoint(p * 100, places: 2)) % (± \(fixedPoint(2 * se * 100, places: 2)))"
}

/// `Benchmarks rollout-trace`: one A/A rollout, its moves and readings as they happen (what the benchmark counts).
func rolloutTrace() {
    let plan = RolloutPlan(
        baseline: "a", candidate: "b", steps: [5, 25, 50, 100], minStepSeconds: 60, minStepRequests: 200,
        guardrails: [Guardrail(.errorRate, margin: 0.02), Guardrail(.latencyP95, margin: 0.25)], alpha: 0.05)
    let o = simulate(plan: plan, seed: 1, median: 800, sigma: 1, breakAtStep: nil, trace: true)
    print("phase \(o.phase) after \(Int(o.seconds)) s")
}
