import ABCore
import Foundation

/// `Benchmarks verdicts [sessions]`: seeded simulations of the verdicts, no network.
///
/// 1. A/A: both arms from one distribution (lognormal latency, 5 % errors), up to 400 requests per arm, every
///    verdict read after every request. Counts the sessions in which any verdict (and each metric) ever said
///    "decided": the false-alarm rate the guarantee bounds by α = 0.05. Beside it, the same sessions read the
///    same way by fixed-horizon tests (a two-proportion z-test, a z-test on log latency), which peeking breaks.
/// 2. Power: requests until a 20 % p50 difference, and a 5 % vs 7 % error rate, are decided; against the
///    fixed-horizon sample size for the same difference (80 % power, α = 0.05, one test, no peeking).
func verdictSimulation(_ arguments: [String]) {
    let sessions = arguments.first.flatMap(Int.init) ?? 2_000
    let started = Date()
    aaFalseAlarms(sessions: sessions)
    lopsidedFalseAlarms(sessions: sessions / 2, share: 0.05, errorRate: 0.002)
    lopsidedFalseAlarms(sessions: sessions / 2, share: 0.01, errorRate: 0.01)
    power(sessions: max(50, sessions / 10))
    print("verdicts: done in \(Int(Date().timeIntervalSince(started))) s")
}

/// One arm's data as the simulation keeps it: errors as moments, latencies sorted by insertion.
private struct SimArm {
    var errors = Moments()
    var latencies: [Double] = []
    var logSum = 0.0
    var logSquares = 0.0

    mutating func add(failed: Bool, latency: Double?) {
        errors.add(failed ? 1 : 0)
        guard let latency else { return }
        let at = latencies.partitioningIndex { $0 >= latency }
        latencies.insert(latency, at: at)
        logSum += log(latency)
        logSquares += log(latency) * log(latency)
    }

    func sample(_ name: String) -> ArmSample {
        let sorted = SortedSample(sorted: latencies)
        return ArmSample(name: name, errors: errors, e2e: sorted, ttft: SortedSample(sorted: []))
    }
}

extension Array where Element == Double {
    fileprivate func partitioningIndex(where belongs: (Double) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if belongs(self[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}

private func lognormal(_ rng: inout SplitMix64, median: Double, sigma: Double) -> Double {
    // Box–Muller from two uniforms.
    let u1 = max(rng.unit(), 1e-300)
    let u2 = rng.unit()
    let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    return median * exp(sigma * z)
}

private func aaFalseAlarms(sessions: Int) {
    let perArm = 400
    let settings = VerdictAnalysis.Settings(alpha: 0.05, streaming: false, paired: false)
    var anyAlarm = 0
    var alarms: [Verdict.Metric: Int] = [:]
    var fixedAny = 0
    var fixedError = 0
    var fixedLatency = 0
    for s in 0..<sessions {
        var rng = SplitMix64(seed: 0xA0A0 &+ UInt64(s))
        var arms = [SimArm(), SimArm()]
        var analysis = VerdictAnalysis(names: ["a", "b"], settings: settings)
        var alarmed = Set<Verdict.Metric>()
        var fixedE = false
        var fixedL = false
        while arms[0].errors.count < perArm || arms[1].errors.count < perArm {
            let arm = rng.unit() < 0.5 ? 0 : 1
            guard arms[arm].errors.count < perArm else { continue }
            let failed = rng.unit() < 0.05
            arms[arm].add(failed: failed, latency: failed ? nil : lognormal(&rng, median: 800, sigma: 0.3))
            let verdicts = analysis.verdicts(arms: [arms[0].sample("a"), arms[1].sample("b")])
            for v in verdicts where v.state == .decided { alarmed.insert(v.metric) }
            // The fixed-horizon tests, read the same way (after every request, each at α = 0.05).
            if fixedZ(errors: arms) { fixedE = true }
            if fixedLogLatency(arms) { fixedL = true }
        }
        if !alarmed.isEmpty { anyAlarm += 1 }
        for m in alarmed { alarms[m, default: 0] += 1 }
        if fixedE { fixedError += 1 }
        if fixedL { fixedLatency += 1 }
        if fixedE || fixedL { fixedAny += 1 }
    }
    func rate(_ k: Int) -> String {
        let p = Double(k) / Double(sessions)
        let se = (p * (1 - p) / Double(sessions)).squareRoot()
        return "\(fixedPoint(p * 100, places: 2)) % (± \(fixedPoint(2 * se * 100, places: 2)))"
    }
    print("verdicts A/A: \(sessions) sessions × \(perArm) requests per arm, read after every request, α = 0.05")
    print("  family (any of error rate, p50, p95 decided at any read): \(rate(anyAlarm))")
    for m in [Verdict.Metric.errorRate, .latencyE2EP50, .latencyE2EP95] {
        print("  \(m.rawValue): \(rate(alarms[m] ?? 0))")
    }
    print(
        "  fixed-horizon, peeking: error z-test \(rate(fixedError)), log-latency z-test \(rate(fixedLatency)), "
            + "either \(rate(fixedAny))")
}

/// A/A on a lopsided split with rare errors (no latencies: the error-rate verdict alone), 4,000 requests a
/// session read after every request: where a normal approximation fails, the exact sequences must not.
private func lopsidedFalseAlarms(sessions: Int, share: Double, errorRate: Double) {
    let settings = VerdictAnalysis.Settings(alpha: 0.05, streaming: false, paired: false)
    var alarms = 0
    var fixed = 0
    for s in 0..<sessions {
        var rng = SplitMix64(seed: 0xD0D0 &+ UInt64(s))
        var arms = [SimArm(), SimArm()]
        var analysis = VerdictAnalysis(names: ["a", "b"], settings: settings)
        var alarmed = false
        var fixedAlarm = false
        for _ in 0..<4_000 {
            let arm = rng.unit() < share ? 1 : 0
            arms[arm].errors.add(rng.unit() < errorRate ? 1 : 0)
            if !alarmed, analysis.verdicts(arms: [arms[0].sample("a"), arms[1].sample("b")])[0].state == .decided {
                alarmed = true
            }
            if fixedZ(errors: arms) { fixedAlarm = true }
        }
        if alarmed { alarms += 1 }
        if fixedAlarm { fixed += 1 }
    }
    let p = Double(alarms) / Double(sessions)
    let se = (p * (1 - p) / Double(sessions)).squareRoot()
    print(
        "verdicts A/A lopsided: \(sessions) sessions × 4,000 requests, B's share \(fixedPoint(share * 100, places: 0)) %, "
            + "errors \(fixedPoint(errorRate * 100, places: 1)) % on both: error_rate decided in "
            + "\(fixedPoint(p * 100, places: 2)) % (± \(fixedPoint(2 * se * 100, places: 2))); fixed-horizon z-test, "
            + "peeking: \(fixedPoint(Double(fixed) / Double(sessions) * 100, places: 2)) %")
}

/// Two-proportion z-test (pooled) at α = 0.05, once both arms have 10 requests.
private func fixedZ(errors arms: [SimArm]) -> Bool {
    let (a, b) = (arms[0].errors, arms[1].errors)
    guard a.count >= 10, b.count >= 10 else { return false }
    let pool = (a.sum + b.sum) / Double(a.count + b.count)
    let se = (pool * (1 - pool) * (1 / Double(a.count) + 1 / Double(b.count))).squareRoot()
    guard se > 0 else { return false }
    return abs(b.mean - a.mean) / se > 1.959963984540054
}

/// z-test on the means of log latency at α = 0.05, once both arms have 10 successes.
private func fixedLogLatency(_ arms: [SimArm]) -> Bool {
    let n = arms.map { Double($0.latencies.count) }
    guard n[0] >= 10, n[1] >= 10 else { return false }
    let means = (0..<2).map { arms[$0].logSum / n[$0] }
    let variances = (0..<2).map { (arms[$0].logSquares - n[$0] * means[$0] * means[$0]) / (n[$0] - 1) }
    let se = (variances[0] / n[0] + variances[1] / n[1]).squareRoot()
    return se > 0 && abs(means[1] - means[0]) / se > 1.959963984540054
}

private func power(sessions: Int) {
    let settings = VerdictAnalysis.Settings(alpha: 0.05, streaming: false, paired: false)
    // 20 % slower p50, no errors: read every 10 requests (the answer's resolution), up to 20,000 requests.
    var latencyNeeded: [Int] = []
    for s in 0..<sessions {
        var rng = SplitMix64(seed: 0xB0B0 &+ UInt64(s))
        var arms = [SimArm(), SimArm()]
        var analysis = VerdictAnalysis(names: ["a", "b"], settings: settings)
        var n = 0
        while n < 20_000 {
            let arm = rng.unit() < 0.5 ? 0 : 1
            arms[arm].add(failed: false, latency: lognormal(&rng, median: arm == 0 ? 800 : 960, sigma: 0.3))
            n += 1
            guard n % 10 == 0 else { continue }
            let v = analysis.verdicts(arms: [arms[0].sample("a"), arms[1].sample("b")])
            if v[1].state == .decided { break }
        }
        latencyNeeded.append(n)
    }
    // 5 % vs 7 % errors (no latencies: only the error-rate test runs): read every 50, up to 60,000.
    var errorNeeded: [Int] = []
    for s in 0..<sessions {
        var rng = SplitMix64(seed: 0xC0C0 &+ UInt64(s))
        var arms = [SimArm(), SimArm()]
        var analysis = VerdictAnalysis(names: ["a", "b"], settings: settings)
        var n = 0
        while n < 60_000 {
            let arm = rng.unit() < 0.5 ? 0 : 1
            arms[arm].errors.add(rng.unit() < (arm == 0 ? 0.05 : 0.07) ? 1 : 0)
            n += 1
            guard n % 50 == 0 else { continue }
            let v = analysis.verdicts(arms: [arms[0].sample("a"), arms[1].sample("b")])
            if v[0].state == .decided { break }
        }
        errorNeeded.append(n)
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
    let latencyFixed = 2 * Int((z * z * 2 * 0.09 / (log(1.2) * log(1.2))).rounded(.up))
    // A median test's asymptotic variance is π/2 times the mean's (normal data): the fair fixed-horizon figure.
    let medianFixed = 2 * Int((z * z * 2 * 0.09 * Double.pi / 2 / (log(1.2) * log(1.2))).rounded(.up))
    let errorFixed = 2 * Int((z * z * (0.05 * 0.95 + 0.07 * 0.93) / (0.02 * 0.02)).rounded(.up))
    print("verdicts power (\(sessions) sessions each; family of 3 at α = 0.05):")
    print(
        "  p50 20 % slower (lognormal σ = 0.3): \(summary(latencyNeeded, cap: 20_000)); "
            + "fixed-horizon: median test \(medianFixed), t-test on log latency (means) \(latencyFixed)")
    print("  error rate 5 % vs 7 %: \(summary(errorNeeded, cap: 60_000)); fixed-horizon z-test: \(errorFixed)")
}
