import Foundation

/// How verdicts write numbers: ratios as "×", intervals as ranges, durations in ms or s. The same sentence goes
/// to the screen, the summary, the reports and the JSON.
enum VerdictText {
    static func percent(_ rate: Double, digits: Int) -> String { "\(fixedPoint(rate * 100, places: digits)) %" }

    /// A percentage with as many decimals as it takes to be exact (95 %, 97.5 %, 99.9 %), so rounding never
    /// overstates a confidence or understates an error rate.
    static func exactPercent(_ rate: Double) -> String { percent(rate, digits: exactPlaces(rate * 100)) }

    /// A rate difference in percentage points: "2.0 points".
    static func points(_ difference: Double) -> String {
        let p = difference * 100
        return "\(fixedPoint(p, places: abs(p) < 10 ? 1 : 0)) point\(abs(p) == 1 ? "" : "s")"
    }

    /// "−1.2 to +3.4 points", with open ends where unbounded.
    static func pointsRange(_ low: Double, _ high: Double) -> String {
        "\(signed(low) { fixedPoint($0 * 100, places: 1) }) to \(signed(high) { fixedPoint($0 * 100, places: 1) }) "
            + "points"
    }

    /// "850 ms", "1.4 s", "12 s".
    static func duration(_ ms: Double) -> String {
        let a = abs(ms)
        if a < 1_000 { return "\(fixedPoint(ms, places: a < 10 ? 1 : 0)) ms" }
        return "\(fixedPoint(ms / 1_000, places: a < 10_000 ? 1 : 0)) s"
    }

    /// "1.4–1.9 s" (both ends in the unit of the larger, with a decimal more when they would read the same; each
    /// end in its own unit when they straddle a second); "at least 1.4 s" when the top is unbounded. `signed`:
    /// "−0.2 to +0.9 s" for intervals that may straddle zero, "below +12 ms" / "above −3 ms" with an open end.
    static func durationRange(_ low: Double, _ high: Double, signed: Bool = false) -> String {
        if !low.isFinite && !high.isFinite { return "too few to bound the difference yet" }
        let big = max(abs(low.isFinite ? low : 0), abs(high.isFinite ? high : 0))
        let seconds = big >= 1_000
        let unit = seconds ? "s" : "ms"
        let scale = seconds ? 1_000.0 : 1
        var places = big / scale < 10 ? 1 : 0
        while places < 3, low.isFinite, high.isFinite,
            fixedPoint(low / scale, places: places) == fixedPoint(high / scale, places: places)
        {
            places += 1
        }
        func value(_ ms: Double) -> String { fixedPoint(ms / scale, places: places) }
        if signed {
            if !low.isFinite { return "below \(Self.signed(high, value)) \(unit)" }
            if !high.isFinite { return "above \(Self.signed(low, value)) \(unit)" }
            return "\(Self.signed(low, value)) to \(Self.signed(high, value)) \(unit)"
        }
        if !high.isFinite { return "at least \(duration(low))" }
        if seconds, abs(low) < 100 { return "\(duration(low))–\(duration(high))" }
        return "\(value(low))–\(value(high)) \(unit)"
    }

    /// "$1.23", "$0.0042", "$1,234": dollars with two significant decimals below a dollar.
    static func money(_ usd: Double) -> String {
        let a = abs(usd)
        var places = 2
        if a > 0, a < 0.1 { places = min(8, Int((-log10(a)).rounded(.down)) + 2) }
        if a >= 1_000 { return "$" + count(a.rounded()).replacingOccurrences(of: "very many", with: "∞") }
        return "$" + fixedPoint(a, places: places)
    }

    /// "−$1.20 to −$0.95" (signed ends, in the places of the wider end).
    static func moneyRange(_ low: Double, _ high: Double) -> String {
        func end(_ x: Double) -> String {
            guard x.isFinite else { return x < 0 ? "−∞" : "+∞" }
            let m = money(x)
            if m.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return m }
            return (x < 0 ? "−" : "+") + m
        }
        return "\(end(low)) to \(end(high))"
    }

    /// "6.7×", "12×".
    static func times(_ ratio: Double) -> String {
        guard ratio.isFinite else { return "?×" }
        return "\(fixedPoint(ratio, places: ratio < 10 ? (ratio < 1.1 ? 2 : 1) : 0))×"
    }

    /// "0.95–1.04×", "at least 1.3×".
    static func ratioRange(_ low: Double, _ high: Double) -> String {
        func value(_ r: Double) -> String { fixedPoint(r, places: r < 10 ? 2 : 0) }
        if !high.isFinite { return "at least \(value(low))×" }
        return "\(value(low))–\(value(high))×"
    }

    private static func signed(_ x: Double, _ format: (Double) -> String) -> String {
        guard x.isFinite else { return x < 0 ? "−∞" : "+∞" }
        let s = format(abs(x))
        if s.allSatisfy({ $0 == "0" || $0 == "." }) { return s }
        return (x < 0 ? "−" : "+") + s
    }

    /// "≈ N more requests at the difference seen so far (a rough guess)", or, when the estimate is inside half the
    /// margin, how many more would show no meaningful difference. Confidence sequences narrow about as 1/√n (up to
    /// a log log n), so reaching half-width h' from h takes n·(h / h')² observations in all. It is a rough
    /// projection, not a promise: the estimate it starts from is itself noisy, and in the seeded simulation the
    /// requests actually needed were 0.17–2.1× the projection (10th–90th percentile, median 0.57×; `Benchmarks
    /// verdicts`).
    static func moreNeeded(
        estimate: Double, low: Double, high: Double, margin: Double, n: Int, unit: String = "requests"
    ) -> String {
        guard low.isFinite, high.isFinite, n > 0 else { return "too few to bound it yet" }
        let half = (high - low) / 2
        let e = abs(estimate)
        let target: Double
        let goal: String
        if e >= margin / 2 {
            target = e
            goal = "at the difference seen so far"
        } else {
            target = margin - e
            goal = "to show it is within the margin"
        }
        guard target > 0 else { return "no difference in sight" }
        let more = max(0, Double(n) * ((half / target) * (half / target) - 1))
        return "≈ \(Self.count(more)) more \(unit) \(goal) (a rough guess)"
    }

    /// 1,234 → "1,300"; small counts exactly.
    static func count(_ x: Double) -> String {
        guard x.isFinite, x < 1e12 else { return "very many" }
        var scale = 1.0
        while x / scale >= 100 { scale *= 10 }
        let n = Int((x / scale).rounded(.up) * scale)
        var digits = Array(String(n))
        var i = digits.count - 3
        while i > 0 {
            digits.insert(",", at: i)
            i -= 3
        }
        return String(digits)
    }
}
