import ABCore
import Foundation
import Testing

/// The verdicts' inputs on traffic as it really comes: out of order, in flight, cut off, sticky, sorted.
@Suite struct RealTrafficTests {
    private let infos = ["a", "b"].map { EntityInfo(name: $0, model: "m", provider: "openai") }

    private func stats() -> StatsAggregator {
        StatsAggregator(entities: infos, epoch: SplitEpoch(index: 0, weights: .even(count: 2), startedAt: 0))
    }

    private func outcome(_ entity: Int, ms: Double, ticket: Int?, error: ErrorKind? = nil) -> RequestOutcome {
        var o = RequestOutcome(
            entity: entity, epoch: 0, timing: RequestTiming(start: 0, end: UInt64(ms * 1e6)), streamed: false,
            error: error)
        o.issue = ticket
        return o
    }

    /// A slow request holds back the faster ones sent after it: the analysis sees a prefix of what was sent.
    @Test func requestsReachTheAnalysisInTheOrderTheyWereSent() {
        var s = stats()
        let slow = s.requestStarted(entity: 1)!
        let fast = (0..<5).map { _ in s.requestStarted(entity: 1)! }
        for t in fast { s.record(outcome(1, ms: 100, ticket: t), at: 1) }
        #expect(s.armSamples[1].e2e.count == 0, "five fast answers must wait for the slow one sent first")
        #expect(s.awaitingAnalysis[1] == 6)
        s.record(outcome(1, ms: 20_000, ticket: slow), at: 20)
        #expect(s.armSamples[1].e2e.count == 6 && s.awaitingAnalysis[1] == 0)
        // The slow one is in the sample: its p50 rank bounds reach it.
        #expect(s.armSamples[1].e2e.upper(rank: 6) >= 20_000)
    }

    /// A request cut off by the run counts as at least the time it had taken (never dropped, never an error).
    @Test func aCutOffRequestIsCensoredNotDropped() {
        var s = stats()
        let tickets = (0..<4).map { _ in s.requestStarted(entity: 0)! }
        for t in tickets.prefix(3) { s.record(outcome(0, ms: 100, ticket: t), at: 1) }
        s.record(outcome(0, ms: 5_000, ticket: tickets[3], error: .cancelled), at: 5)
        let arm = s.armSamples[0]
        #expect(arm.e2e.count == 4 && arm.errors.count == 3 && arm.errors.sum == 0)
        #expect(arm.e2e.upper(rank: 4) == .infinity, "its true value is unknown above 5 s")
        #expect(arm.e2e.lower(rank: 4) >= 4_990 && arm.e2e.lower(rank: 4) <= 5_000, "its bucket's lower edge")
    }

    /// Error pairs: the k-th request of B against the k-th of A, whatever order they finished in.
    @Test func errorPairsMatchRequestsByTheirPlaceInIssueOrder() {
        var s = stats()
        let a = (0..<3).map { _ in s.requestStarted(entity: 0)! }
        let b = (0..<3).map { _ in s.requestStarted(entity: 1)! }
        // B's failures on its 1st and 3rd; A's on its 2nd. Finished in reverse.
        for (i, t) in b.enumerated().reversed() {
            s.record(outcome(1, ms: 10, ticket: t, error: i != 1 ? .http5xx : nil), at: 1)
        }
        for (i, t) in a.enumerated().reversed() {
            s.record(outcome(0, ms: 10, ticket: t, error: i == 1 ? .http5xx : nil), at: 1)
        }
        #expect(s.armSamples[1].errorPairs == PairCounts(bOnly: 2, same: 0, aOnly: 1))
    }

    /// Betting on a difference is exact: under any distribution of Z in {−1, 0, 1} with mean m, the averaged
    /// bettors' expected wealth after n pairs is exactly 1 (a martingale from 1), computed over every outcome.
    @Test func theBettorsWealthIsAMartingaleUnderTheNull() {
        for (pPlus, pMinus) in [(0.05, 0.05), (0.3, 0.1), (0.01, 0.2)] {
            let m = pPlus - pMinus
            let pZero = 1 - pPlus - pMinus
            for n in [1, 4, 9] {
                var expected = 0.0
                for plus in 0...n {
                    for minus in 0...(n - plus) {
                        let zero = n - plus - minus
                        let ways = exp(
                            lgamma(Double(n + 1)) - lgamma(Double(plus + 1)) - lgamma(Double(minus + 1))
                                - lgamma(Double(zero + 1)))
                        let probability =
                            ways * pow(pPlus, Double(plus)) * pow(pMinus, Double(minus)) * pow(pZero, Double(zero))
                        let counts = PairCounts(bOnly: plus, same: zero, aOnly: minus)
                        expected += probability * exp(RateDifferenceTest.logWealth(counts, m: m))
                    }
                }
                #expect(abs(expected - 1) < 1e-9, "p+ \(pPlus) p− \(pMinus) n \(n): \(expected)")
            }
        }
    }

    @Test func aClearErrorDifferenceIsDecidedAndItsIntervalHoldsTheEstimate() {
        let counts = PairCounts(bOnly: 120, same: 1_800, aOnly: 40)
        let i = RateDifferenceTest.interval(counts, alpha: 0.05 / 3)
        #expect(i.low > 0 && i.low < counts.meanDifference && counts.meanDifference < i.high)
        #expect(RateDifferenceTest.pValue(counts) < 0.05 / 3)
        let none = PairCounts(bOnly: 40, same: 1_800, aOnly: 40)
        #expect(RateDifferenceTest.interval(none, alpha: 0.05).low < 0 && RateDifferenceTest.pValue(none) > 0.5)
    }

    /// Merged cells give a p-value no smaller than the exact values', and intervals that contain the exact ones.
    @Test func coarserCellsOnlyWidenTheQuantileTest() {
        var rng = SplitMix64(seed: 7)
        let a = (0..<300).map { _ in 800 * exp(0.3 * normal(&rng)) }
        let b = (0..<300).map { _ in 900 * exp(0.3 * normal(&rng)) }
        let exact = QuantileABTest(a: SortedSample(a), b: SortedSample(b), p: 0.5, tOpt: 150)
        let coarse = QuantileABTest(a: SortedSample(a), b: SortedSample(b), p: 0.5, tOpt: 150, resolution: 0.005)
        #expect(coarse.pValue >= exact.pValue)
        let (e, c) = (exact.ratioInterval(alpha: 0.01), coarse.ratioInterval(alpha: 0.01))
        #expect(c.low! <= e.low! && c.high! >= e.high!)
        #expect(c.low! >= e.low! * 0.99 && c.high! <= e.high! * 1.01)
        let (ed, cd) = (exact.differenceInterval(alpha: 0.01), coarse.differenceInterval(alpha: 0.01))
        #expect(cd.low! <= ed.low! && cd.high! >= ed.high!)
    }

    /// The two-sample quantile test's intervals, read after every 10 observations, hold the true shift and ratio
    /// in at least 1 − α of seeded sessions (α = 0.1 so that the check has power to fail).
    @Test func theQuantileTestsIntervalsCoverTheTruthAtEveryRead() {
        var missedRatio = 0
        var missedShift = 0
        let sessions = 60
        for s in 0..<sessions {
            var rng = SplitMix64(seed: 100 + UInt64(s))
            var a: [Double] = []
            var b: [Double] = []
            var missR = false
            var missS = false
            for n in 1...200 {
                a.append(1_000 * exp(0.5 * normal(&rng)))
                b.append(1_500 * exp(0.5 * normal(&rng)))
                guard n % 10 == 0 else { continue }
                let test = QuantileABTest(a: SortedSample(a), b: SortedSample(b), p: 0.5, tOpt: 150)
                let r = test.ratioInterval(alpha: 0.1)
                if (r.low ?? 0) > 1.5 || (r.high ?? .infinity) < 1.5 { missR = true }
                let d = test.differenceInterval(alpha: 0.1)
                if (d.low ?? -.infinity) > 500 || (d.high ?? .infinity) < 500 { missS = true }
            }
            if missR { missedRatio += 1 }
            if missS { missedShift += 1 }
        }
        #expect(missedRatio <= 6 && missedShift <= 6, "\(missedRatio) / \(missedShift) of \(sessions)")
    }

    /// Before the mixture can reach 1/α there is no bound: not the sample's minimum and maximum.
    @Test func thereIsNoQuantileBoundBeforeTheMixtureCanGiveOne() {
        let few = SortedSample((1...12).map(Double.init))
        let i = QuantileInterval(few, p: 0.5, alpha: 0.05)
        #expect(i.lower == nil && i.upper == nil)
        let many = SortedSample((1...200).map(Double.init))
        let j = QuantileInterval(many, p: 0.5, alpha: 0.05)
        #expect(j.lower != nil && j.upper != nil)
    }

    /// Compare mode: a side that failed counts as infinitely slow, so an arm that fails on hard prompts cannot
    /// look faster for it.
    @Test func aFailureIsNeverAnAdvantageInComparedPrompts() {
        var s = stats()
        for n in 0..<60 {
            let ticket = s.promptIssued()
            let hard = n % 2 == 0
            // B answers easy prompts in 90 % of A's time and fails every hard one (A takes 10 s on those).
            let a = outcome(0, ms: hard ? 10_000 : 1_000, ticket: nil)
            let b = outcome(1, ms: 900, ticket: nil, error: hard ? .timeout : nil)
            s.recordPaired([a, b], ticket: ticket)
        }
        var analysis = VerdictAnalysis(names: ["a", "b"], settings: .init(streaming: false, paired: true))
        let v = analysis.verdicts(arms: s.armSamples, paired: s.pairedSamples)
        let latency = v.first { $0.metric == .latencyE2EPaired }!
        #expect(latency.state != .decided || (latency.ratioLow ?? 0) > 1, "\(latency.text)")
        #expect(!latency.text.contains("a is"), "\(latency.text)")
    }

    @Test func promptsGoInASeededRandomOrderEveryPromptOncePerPass() {
        let order = PromptOrder(count: 50, seed: 9)
        let first = (0..<50).map(order.index)
        let second = (50..<100).map(order.index)
        #expect(first.sorted() == Array(0..<50) && second.sorted() == Array(0..<50))
        #expect(first != Array(0..<50) && first != second)
        #expect(first == (0..<50).map(PromptOrder(count: 50, seed: 9).index))
    }

    @Test func aStickySessionsLaterPicksAreNotCountedAsRandomised() {
        var router = Router(weights: Weights([50, 50])!, seed: 1, sticky: true)
        _ = router.pick(stickyKey: "s1")
        #expect(!router.lastPickRepeatedKey)
        _ = router.pick(stickyKey: "s1")
        #expect(router.lastPickRepeatedKey)
        _ = router.pick(stickyKey: "s2")
        #expect(!router.lastPickRepeatedKey)
        router.setWeights(Weights([60, 40])!, at: 1)
        _ = router.pick(stickyKey: "s1")
        #expect(!router.lastPickRepeatedKey, "a new epoch picks every session afresh")
    }
}

private func normal(_ rng: inout SplitMix64) -> Double {
    let u1 = max(rng.unit(), 1e-300)
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * rng.unit())
}
