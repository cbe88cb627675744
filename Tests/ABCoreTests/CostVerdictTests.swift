import ABCore
import Foundation
import Testing

/// The cost verdict: pairs in issue order, unpriced arms said, and on seeded traffic with the skew real requests
/// have (long prompts, answers cut at max_tokens, failures billed nothing) it decides an A/A pair rarely and a
/// cheaper arm soon, with intervals that hold the true difference.
@Suite struct CostVerdictTests {
    private let infos = ["a", "b"].map { EntityInfo(name: $0, model: "m", provider: "openai") }

    private func outcome(_ entity: Int, ticket: Int?, cost: Double?, error: ErrorKind? = nil) -> RequestOutcome {
        var o = RequestOutcome(
            entity: entity, epoch: 0, timing: RequestTiming(start: 0, end: 100_000_000), streamed: false,
            error: error, costUSD: cost)
        o.issue = ticket
        return o
    }

    @Test func costPairsMatchRequestsByTheirPlaceInIssueOrder() {
        var s = StatsAggregator(
            entities: infos, epoch: SplitEpoch(index: 0, weights: .even(count: 2), startedAt: 0))
        let a = (0..<3).map { _ in s.requestStarted(entity: 0)! }
        let b = (0..<3).map { _ in s.requestStarted(entity: 1)! }
        // Finished in reverse: the pairs must still be (a0, b0), (a1, b1), (a2, b2).
        for (i, t) in b.enumerated().reversed() { s.record(outcome(1, ticket: t, cost: Double(i) * 10), at: 1) }
        for (i, t) in a.enumerated().reversed() { s.record(outcome(0, ticket: t, cost: Double(i)), at: 1) }
        let arm = s.armSamples[1]
        // Differences 0, 9, 18.
        #expect(arm.costPairs.count == 3 && arm.costPairs.sum == 27 && arm.costPairs.sumOfSquares == 81 + 324)
        #expect(s.armSamples[0].costs.mean == 1 && arm.costs.mean == 10)
    }

    @Test func anArmWithNoPriceIsNamedNotCompared() {
        var s = StatsAggregator(
            entities: infos, epoch: SplitEpoch(index: 0, weights: .even(count: 2), startedAt: 0))
        for k in 0..<50 {
            s.record(outcome(0, ticket: s.requestStarted(entity: 0), cost: 0.001 * Double(k % 3)), at: 1)
            s.record(outcome(1, ticket: s.requestStarted(entity: 1), cost: nil), at: 1)
        }
        let v = s.verdicts(settings: .init(streaming: false)).first { $0.metric == .cost }
        #expect(v?.state == .notYet && v?.text.contains("no price known for b") == true, "\(v?.text ?? "none")")
    }

    /// One request's cost as real traffic has it: a prompt of lognormal length (σ 1: some very long), an answer
    /// of lognormal length cut at max_tokens 256, 3 % failures billed nothing.
    private func requestCost(_ rng: inout SplitMix64, inputPerMillion: Double, outputPerMillion: Double) -> Double {
        if rng.unit() < 0.03 { return 0 }
        let input = (300 * exp(1.0 * normal(&rng))).rounded()
        let output = min(256, (120 * exp(0.8 * normal(&rng))).rounded())
        return (input * inputPerMillion + output * outputPerMillion) / 1e6
    }

    /// Reads the cost verdict every 5 pairs, as a dashboard would, over a session of `pairs`; returns the first
    /// decided read's (state, pairs, interval) or nil.
    private func session(
        seed: UInt64, pairs: Int, a: (Double, Double), b: (Double, Double)
    ) -> (pairs: Int, verdict: Verdict, missed: Bool)? {
        var rng = SplitMix64(seed: seed)
        var analysis = VerdictAnalysis(names: ["a", "b"], settings: .init(streaming: false))
        var costs = (Moments(), Moments())
        var diffs = Moments()
        // The true mean difference per 1,000 requests, from the prices (the token distributions are the same).
        let meanIn = 300 * exp(0.5)
        var truncated = 0.0
        var probe = SplitMix64(seed: 99)
        for _ in 0..<20_000 { truncated += min(256, (120 * exp(0.8 * normal(&probe))).rounded()) }
        let meanOut = truncated / 20_000
        let truth = 0.97 * ((b.0 - a.0) * meanIn + (b.1 - a.1) * meanOut) / 1e6 * 1_000
        var missed = false
        for k in 1...pairs {
            let ca = requestCost(&rng, inputPerMillion: a.0, outputPerMillion: a.1)
            let cb = requestCost(&rng, inputPerMillion: b.0, outputPerMillion: b.1)
            costs.0.add(ca)
            costs.1.add(cb)
            diffs.add(cb - ca)
            guard k % 5 == 0 else { continue }
            let arms = [
                ArmSample(
                    name: "a", errors: Moments(), e2e: SortedSample([]), ttft: SortedSample([]), costs: costs.0),
                ArmSample(
                    name: "b", errors: Moments(), e2e: SortedSample([]), ttft: SortedSample([]), costs: costs.1,
                    costPairs: diffs),
            ]
            guard let v = analysis.verdicts(arms: arms).first(where: { $0.metric == .cost }) else { continue }
            if let low = v.low, let high = v.high, truth < low - 1e-9 || truth > high + 1e-9 { missed = true }
            if v.state == .decided { return (k, v, missed) }
        }
        return nil
    }

    @Test func anAAPairOnSkewedTrafficIsRarelyDecided() {
        let sessions = 300
        var decided = 0
        for seed in 0..<sessions {
            if session(seed: UInt64(seed), pairs: 600, a: (2.5, 10), b: (2.5, 10)) != nil { decided += 1 }
        }
        // The comparison is tested at α / 4 (errors, p50, p95, cost) = 1.25 %; its asymptotic guarantee allows
        // some excess early on. Measured 2 of 300 (Benchmarks verdicts cost has the large run).
        #expect(Double(decided) / Double(sessions) <= 0.02, "\(decided) of \(sessions) A/A sessions decided")
    }

    @Test func aMuchCheaperArmIsDecidedSoonAndTheRightWay() {
        var needed: [Int] = []
        var missed = 0
        for seed in 0..<100 {
            // gpt-4o against gpt-4o-mini list prices: 16× cheaper.
            guard let r = session(seed: UInt64(1_000 + seed), pairs: 2_000, a: (2.5, 10), b: (0.15, 0.6)) else {
                Issue.record("seed \(seed): not decided in 2,000 pairs")
                continue
            }
            #expect(r.verdict.text.hasPrefix("a costs more than b"), "\(r.verdict.text)")
            needed.append(r.pairs)
            if r.missed { missed += 1 }
        }
        needed.sort()
        #expect(needed.count == 100 && needed[50] <= 60, "median pairs to decide: \(needed[needed.count / 2])")
        #expect(missed <= 3, "intervals missed the true difference in \(missed) of 100 sessions")
    }
}

private func normal(_ rng: inout SplitMix64) -> Double {
    let u1 = max(rng.unit(), 1e-300)
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * rng.unit())
}

/// Issue 26, item 3: check pass rates compared between arms, the k-th checked answer of each paired (issue order).
@Suite struct CheckVerdictTests {
    private func outcome(_ entity: Int, ticket: Int?, passed: Bool?, failed: Bool = false) -> RequestOutcome {
        var o = RequestOutcome(
            entity: entity, epoch: 0, timing: RequestTiming(start: 0, end: 100_000_000), streamed: false,
            error: failed ? .http5xx : nil)
        o.checkPassed = failed ? nil : passed
        o.issue = ticket
        return o
    }

    @Test func checkedAnswersArePairedInIssueOrderAndFailuresAreNotChecks() {
        let infos = ["a", "b"].map { EntityInfo(name: $0, model: "m", provider: "openai") }
        var s = StatsAggregator(entities: infos, epoch: SplitEpoch(index: 0, weights: .even(count: 2), startedAt: 0))
        let a = (0..<3).map { _ in s.requestStarted(entity: 0)! }
        let b = (0..<4).map { _ in s.requestStarted(entity: 1)! }
        // B: passed, (failed request: no check), failed check, passed. A: failed check, passed, passed.
        let bOutcomes: [(Bool?, Bool)] = [(true, false), (nil, true), (false, false), (true, false)]
        for (i, t) in b.enumerated().reversed() {
            s.record(outcome(1, ticket: t, passed: bOutcomes[i].0, failed: bOutcomes[i].1), at: 1)
        }
        for (i, t) in a.enumerated().reversed() { s.record(outcome(0, ticket: t, passed: i != 0), at: 1) }
        // Pairs of checked answers: (A fail, B pass), (A pass, B fail), (A pass, B pass).
        #expect(s.armSamples[1].checkPairs == PairCounts(bOnly: 1, same: 1, aOnly: 1))
        #expect(s.armSamples[1].checks.count == 3 && s.armSamples[0].checks.count == 3)
    }

    @Test func aClearlyBetterArmIsDecidedAndTheFamilyHasTheCheck() {
        var rng = SplitMix64(seed: 5)
        var analysis = VerdictAnalysis(names: ["a", "b"], settings: .init(streaming: false, cost: false, checks: true))
        #expect(analysis.metrics.last == .checkPassRate && analysis.familySize == 4)
        var pairs = PairCounts()
        var (ca, cb) = (Moments(), Moments())
        var decidedAt: Int?
        for n in 1...600 {
            let pa = rng.unit() < 0.6
            let pb = rng.unit() < 0.9
            pairs.add(a: pa, b: pb)
            ca.add(pa ? 1 : 0)
            cb.add(pb ? 1 : 0)
            guard n % 10 == 0 else { continue }
            let arms = [
                ArmSample(name: "a", errors: Moments(), e2e: SortedSample([]), ttft: SortedSample([]), checks: ca),
                ArmSample(
                    name: "b", errors: Moments(), e2e: SortedSample([]), ttft: SortedSample([]), checks: cb,
                    checkPairs: pairs),
            ]
            let v = analysis.verdicts(arms: arms).first { $0.metric == .checkPassRate }!
            if v.state == .decided {
                #expect(v.text.hasPrefix("b passes its checks more often than a"), "\(v.text)")
                #expect((v.low ?? 0) > 0 && (v.low ?? 0) < 0.3 && (v.high ?? 1) > 0.3, "the interval holds 90 − 60")
                decidedAt = n
                break
            }
        }
        #expect(decidedAt != nil && decidedAt! <= 300, "decided after \(decidedAt.map(String.init) ?? "never")")
    }
}

/// Issue 26, item 4: how alike an entity's answers to a repeated prompt are.
@Suite struct ConsistencyTests {
    private func record(_ entity: Int, _ prompt: String, _ text: String, passed: Bool? = nil, failed: Bool = false)
        -> RequestRecord
    {
        var o = RequestOutcome(
            entity: entity, epoch: 0, timing: RequestTiming(start: 0, end: 1), streamed: false,
            error: failed ? .http5xx : nil)
        o.checkPassed = passed
        return RequestRecord(outcome: o, promptID: prompt, prompt: prompt, output: text)
    }

    @Test func pairsOfAnswersToTheSamePromptAreCounted() {
        var c = Consistency(names: ["a", "b"])
        // a answers p1 three times: two alike (1 identical pair of 3), checks pass, pass, fail (1 agreeing of 3).
        c.add(record(0, "p1", "Paris", passed: true))
        c.add(record(0, "p1", "Paris", passed: true))
        c.add(record(0, "p1", "Lyon", passed: false))
        // p2 once: not a repeat. A failure and a fallback say nothing of how it answers.
        c.add(record(0, "p2", "x"))
        c.add(record(0, "p2", "", failed: true))
        // b answers p1 twice alike, no checks.
        c.add(record(1, "p1", "Paris"))
        c.add(record(1, "p1", "Paris"))
        let f = c.figures
        #expect(f.count == 2)
        #expect(f[0] == .init(entity: "a", prompts: 1, pairs: 3, identical: 1, checkPairs: 3, checksAgree: 1))
        #expect(f[1] == .init(entity: "b", prompts: 1, pairs: 1, identical: 1, checkPairs: 0, checksAgree: 0))
        #expect(Consistency(names: ["a"]).figures.isEmpty, "no repeats: nothing to say")
    }
}
