import ABCore
import Testing

@Suite struct VerdictTests {
    private func arm(_ name: String, errors: Int, of n: Int, e2e: [Double] = [], ttft: [Double] = []) -> ArmSample {
        var m = Moments()
        for failed in failures(errors, of: n) { m.add(failed ? 1 : 0) }
        return ArmSample(name: name, errors: m, e2e: SortedSample(e2e), ttft: SortedSample(ttft))
    }

    /// `errors` failures spread evenly over `n` requests in issue order.
    private func failures(_ errors: Int, of n: Int) -> [Bool] {
        (0..<n).map { i in (i * errors) / max(n, 1) != ((i + 1) * errors) / max(n, 1) }
    }

    /// The arms with each one's error pairs against the first (k-th request with k-th), as the stats form them.
    private func paired(_ arms: [ArmSample]) -> [ArmSample] {
        let control = failures(Int(arms[0].errors.sum), of: arms[0].errors.count)
        return arms.enumerated().map { i, arm in
            var arm = arm
            guard i > 0 else { return arm }
            let mine = failures(Int(arm.errors.sum), of: arm.errors.count)
            for k in 0..<min(control.count, mine.count) { arm.errorPairs.add(a: control[k], b: mine[k]) }
            return arm
        }
    }

    @Test func aClearLatencyDifferenceIsDecidedWithARangeAndARatio() {
        var analysis = VerdictAnalysis(names: ["gpt", "claude"], settings: .init(streaming: false))
        let fast = (0..<400).map { 800.0 + Double($0 % 50) }
        let slow = (0..<400).map { 5_600.0 + Double($0 % 50) }
        let v = analysis.verdicts(
            arms: paired([
                arm("gpt", errors: 0, of: 400, e2e: fast), arm("claude", errors: 0, of: 400, e2e: slow),
            ]))
        #expect(v.map(\.metric) == [.errorRate, .latencyE2EP50, .latencyE2EP95, .cost])
        let p50 = v[1]
        #expect(p50.state == .decided && p50.pValue! <= 0.05)
        #expect(
            p50.text.contains("claude's p50 latency is")
                && p50.text.contains("slower than gpt's (6.8×: 5.6 s vs 825 ms)"))
        #expect(p50.text.hasSuffix("— decided, always-valid 95 %"), "\(p50.text)")
        #expect(p50.low! > 4_500 && p50.high! < 5_100, "\(p50.low!)–\(p50.high!)")
    }

    @Test func anUnclearDifferenceSaysNotYetAndHowManyMore() {
        var analysis = VerdictAnalysis(names: ["a", "b"], settings: .init(streaming: false))
        let a = (0..<60).map { 100.0 + Double($0 % 20) }
        let b = (0..<60).map { 104.0 + Double($0 % 20) }
        let v = analysis.verdicts(
            arms: paired([arm("a", errors: 3, of: 60, e2e: a), arm("b", errors: 5, of: 60, e2e: b)]))
        #expect(v.allSatisfy { $0.state == .notYet })
        #expect(v[1].text.contains("not decided yet") && v[1].text.contains("more requests"), "\(v[1].text)")
        #expect(v[0].text.contains("not decided yet"), "\(v[0].text)")
    }

    @Test func identicalArmsWithManyRequestsAreEquivalentWithinTheMargin() {
        var analysis = VerdictAnalysis(names: ["a", "b"], settings: .init(latencyMargin: 0.10, streaming: false))
        let values = (0..<20_000).map { 100.0 + Double($0 % 100) }
        let v = analysis.verdicts(
            arms: paired([
                arm("a", errors: 200, of: 20_000, e2e: values), arm("b", errors: 200, of: 20_000, e2e: values),
            ]))
        #expect(v[1].state == .equivalent, "\(v[1].text)")
        #expect(v[1].text.contains("no meaningful difference"), "\(v[1].text)")
        #expect(v[0].state == .equivalent, "\(v[0].text)")
    }

    @Test func tooFewRequestsGiveNoPValue() {
        var analysis = VerdictAnalysis(names: ["a", "b"])
        let v = analysis.verdicts(
            arms: paired([
                arm("a", errors: 0, of: 2, e2e: [1, 2]), arm("b", errors: 0, of: 5, e2e: [3, 4, 5, 6, 7]),
            ]))
        #expect(v.allSatisfy { $0.pValue == nil && $0.state == .notYet })
        #expect(v[1].text.contains("too few"))
    }

    @Test func errorRatesDifferingClearlyAreDecided() {
        var analysis = VerdictAnalysis(names: ["a", "b"], settings: .init(streaming: false))
        let v = analysis.verdicts(arms: paired([arm("a", errors: 3, of: 400), arm("b", errors: 60, of: 400)]))
        #expect(v[0].state == .decided, "\(v[0].text)")
        #expect(v[0].text.hasPrefix("b fails more often than a: 15.0 % vs 0.8 % (b − a: +"), "\(v[0].text)")
    }

    /// The family is every metric for every entity against the control, each at α / size.
    @Test func theFamilyIsFixedAndSplitsAlpha() {
        let three = VerdictAnalysis(
            names: ["a", "b", "c"], settings: .init(alpha: 0.05, streaming: true, paired: true))
        #expect(three.metrics.count == 9 && three.familySize == 18)
        #expect(abs(three.level - 0.05 / 18) < 1e-15)
        // Without a price for every entity, cost is not in the family.
        let unpriced = VerdictAnalysis(
            names: ["a", "b", "c"], settings: .init(alpha: 0.05, streaming: true, paired: true, cost: false))
        #expect(unpriced.familySize == 16 && !unpriced.metrics.contains(.cost))
        // Confidence levels are written exactly: never "100 %" for 99.9 %, never "98 %" for 97.5 %.
        #expect(exactPlaces(95) == 0 && exactPlaces(97.5) == 1 && exactPlaces(99.9) == 1 && exactPlaces(99.99) == 2)
    }

    /// Reads only ever narrow an interval and lower a p-value (running intersection and minimum).
    @Test func readsAreMonotone() {
        var analysis = VerdictAnalysis(names: ["a", "b"], settings: .init(streaming: false))
        let a = (0..<200).map { 100.0 + Double($0 % 30) }
        let first = analysis.verdicts(
            arms: paired([
                arm("a", errors: 0, of: 200, e2e: a), arm("b", errors: 0, of: 200, e2e: a.map { $0 * 1.5 }),
            ]))
        // A later read that says less (fewer requests, the same difference): the interval and p stay.
        let second = analysis.verdicts(
            arms: paired([
                arm("a", errors: 0, of: 40, e2e: Array(a.prefix(40))),
                arm("b", errors: 0, of: 40, e2e: Array(a.prefix(40)).map { $0 * 1.5 }),
            ]))
        #expect(second[1].pValue! <= first[1].pValue! && second[1].low! >= first[1].low!)
        #expect(second[1].state == .decided, "a decided comparison stays decided")
        // A read that contradicts the remembered interval (drift): what was decided stays, and the sentence says
        // the arms changed.
        let third = analysis.verdicts(
            arms: paired([
                arm("a", errors: 0, of: 400, e2e: a + a), arm("b", errors: 0, of: 400, e2e: (a + a).map { $0 * 0.7 }),
            ]))
        #expect(third[1].state == .decided && third[1].low! == second[1].low!, "\(third[1].text)")
        #expect(third[1].drift && !second[1].drift)
        #expect(
            third[1].text.hasPrefix("b's p50 latency is") && third[1].text.contains("the arms changed"),
            "\(third[1].text)")
    }

    @Test func pValueFormatting() {
        #expect(Verdict.formatP(0.0004) == "p < 0.001")
        #expect(Verdict.formatP(0.0042) == "p = 0.004")
        #expect(Verdict.formatP(0.2149) == "p = 0.21")
        #expect(Verdict.formatP(0.5) == "p = 0.50")
    }
}
