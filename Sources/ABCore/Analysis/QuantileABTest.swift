import Foundation

/// Howard & Ramdas' sequential two-sample test of a quantile (*Sequential estimation of quantiles*, Bernoulli 2022,
/// Theorem 5), as the authors' `confseq::QuantileABTest` computes it, and confidence sequences for the shift and the
/// ratio between the arms by inverting it.
///
/// For a candidate common quantile x, each arm's beta-binomial mixture on "the share of observations ≤ x is p" is a
/// nonnegative supermartingale when x is that arm's true p-quantile; the arms are independent, so the product of the
/// two is one too when both quantiles equal x. The test takes the smallest product over every x: the p-value of
/// "the p-quantiles are equal" is 1 / min_x M_A(x)·M_B(x). One threshold log(1/α) is spent on the pair, where
/// separating two per-arm intervals spends α/4 on each of four sides: it decides in about half the requests.
///
/// "B's quantile is A's shifted by δ" (or scaled by r) is tested the same way with B's x moved (x + δ, or r·x); the
/// δ (or r) not rejected at level α form a confidence sequence for the difference (or ratio).
///
/// Bucketed samples: for each x the count at or below it is only known to lie in a range (the buckets that end at
/// or below x, to those that start at or below x); each arm's mixture is minimised over that range, so the
/// statistic is never larger than the exact data's and the guarantee holds (the p-value only grows).
public struct QuantileABTest {
    public let p: Double
    let a: Arm
    let b: Arm

    /// `tOpt`: observations per arm where the mixture is tightest (confseq's `t_opt`). `resolution`: cells
    /// narrower than this share of their value are merged (0: none, as confseq): merging only widens each count's
    /// range, so the statistic can only fall and the guarantee holds, while a read sweeps several times fewer
    /// cells; intervals widen by at most that share.
    public init(
        a: some OrderStatistics, b: some OrderStatistics, p: Double, tOpt: Double, alphaOpt: Double = 0.05,
        resolution: Double = 0
    ) {
        self.p = p
        let mixture = Boundaries.BetaBinomialMixture(vOpt: tOpt * p * (1 - p), g: p, h: 1 - p, alphaOpt: alphaOpt)
        self.a = Arm(a, p: p, mixture: mixture, resolution: resolution)
        self.b = Arm(b, p: p, mixture: mixture, resolution: resolution)
    }

    /// log of min over x of the product of the two mixtures, B's read at `moved(x)`; with `stopBelow`, returns
    /// as soon as some x gives less (all a rejection test needs to know).
    func logStatistic(
        moving moved: (Double) -> Double, inverse: (Double) -> Double, stopBelow: Double = -.infinity
    ) -> Double {
        guard a.t > 0, b.t > 0 else { return 0 }
        // Each arm's log mixture falls towards its own minimiser region and rises past it, so the minimum of the
        // sum lies between the two regions (in A's coordinates); outside, both move the same way.
        let from = min(a.minimumStart, inverse(b.minimumStart))
        let to = max(a.minimumEnd, inverse(b.minimumEnd))
        // The counts change only at the cells' edges (and stay constant up to the next edge), so the edges of
        // both arms in the range cover every x. Each point keeps both coordinates as found, so B's own edges are
        // read exactly where they are; the sweep then moves two cursors along.
        let fromA = a.edges(from: from, to: to)
        let fromB = b.edges(from: min(moved(from), moved(to)), to: max(moved(from), moved(to)))
        var points: [(x: Double, y: Double)] = [(from, moved(from))]
        points.reserveCapacity(fromA.count + fromB.count + 2)
        var (i, j) = (0, 0)
        while i < fromA.count || j < fromB.count {
            if j == fromB.count || (i < fromA.count && fromA[i] <= inverse(fromB[j])) {
                points.append((fromA[i], moved(fromA[i])))
                i += 1
            } else {
                points.append((inverse(fromB[j]), fromB[j]))
                j += 1
            }
        }
        points.append((to, moved(to)))
        var ca = Arm.Cursor()
        var cb = Arm.Cursor()
        var best = Double.infinity
        for point in points {
            a.move(&ca, to: point.x)
            b.move(&cb, to: point.y)
            best = min(best, a.logMixture(ca) + b.logMixture(cb))
            if best < stopBelow { return best }
        }
        return best
    }

    /// The always-valid p-value of "the arms' p-quantiles are equal" (confseq's `quantile_ab_p_value`).
    public var pValue: Double { min(1, exp(-logStatistic(moving: { $0 }, inverse: { $0 }))) }

    /// The level-α confidence sequence for q_B − q_A (nil on a side not bounded yet).
    public func differenceInterval(alpha: Double) -> (low: Double?, high: Double?) {
        guard a.t > 0, b.t > 0 else { return (nil, nil) }
        let estimate = b.estimate - a.estimate
        let span = max(1e-9, b.maxEdge - a.minEdge, a.maxEdge - b.minEdge)
        return invert(
            estimate: estimate, below: estimate - 2 * span, above: estimate + 2 * span, alpha: alpha,
            statistic: { d, stop in logStatistic(moving: { $0 + d }, inverse: { $0 - d }, stopBelow: stop) })
    }

    /// The level-α confidence sequence for q_B / q_A (positive values; nil on a side not bounded yet).
    public func ratioInterval(alpha: Double) -> (low: Double?, high: Double?) {
        guard a.t > 0, b.t > 0, a.estimate > 0, b.estimate > 0 else { return (nil, nil) }
        let tiny = 1e-9
        let lowest = max(b.minEdge, tiny) / max(a.maxEdge, tiny)
        let highest = max(b.maxEdge, tiny) / max(a.minEdge, tiny)
        let (low, high) = invert(
            estimate: log(b.estimate / a.estimate), below: log(lowest) - 1, above: log(highest) + 1, alpha: alpha,
            statistic: { l, stop in
                let r = exp(l)
                return logStatistic(moving: { $0 * r }, inverse: { $0 / r }, stopBelow: stop)
            })
        return (low.map(exp), high.map(exp))
    }

    /// The parameters θ around `estimate` whose statistic stays below log(1/α), by bisection on each side; nil
    /// on a side where even the farthest θ that moves the data (`below`, `above`) is not rejected.
    private func invert(
        estimate: Double, below: Double, above: Double, alpha: Double, statistic: (Double, Double) -> Double
    ) -> (Double?, Double?) {
        let threshold = log(1 / alpha)
        func rejected(_ theta: Double) -> Bool { statistic(theta, threshold) >= threshold }
        // Ends to 10⁻⁴ of the span searched (0.01 % in the ratio): finer than the histograms' 0.1 %.
        let tolerance = 1e-4 * max(abs(above - below), 1e-12)
        func edge(to far: Double) -> Double? {
            guard rejected(far) else { return nil }
            var (inside, outside) = (estimate, far)
            if rejected(inside) { return inside }
            while abs(outside - inside) > tolerance {
                let mid = (inside + outside) / 2
                if rejected(mid) { outside = mid } else { inside = mid }
            }
            // The rejected end: every θ beyond it was rejected, so the interval ends there (conservatively).
            return outside
        }
        return (edge(to: below), edge(to: above))
    }
}

extension QuantileABTest {
    /// One arm: its cells, its count t, and where its mixture is smallest. A class: it remembers the log mixture at
    /// each whole count it was asked for (a read asks for the same counts many times while inverting).
    final class Arm {
        let cells: HistogramRanks
        /// Requests cut off before they finished, each at the time it had taken: its value is somewhere at or
        /// above that (right-censored), so it may be at or below x only when x reaches its lower end.
        let censored: HistogramRanks?
        let t: Int
        let p: Double
        let mixture: Boundaries.BetaBinomialMixture
        /// The count at or below x (as a real number) that minimises this arm's mixture: confseq's minimiser × t.
        let bestCount: Double
        /// The x range where the count range can contain `bestCount`: the arm's minimiser region.
        let minimumStart: Double
        let minimumEnd: Double
        let estimate: Double

        private var memoEnded: [Double] = []
        private var memoStarted: [Double] = []
        private var atBest = Double.nan

        init(_ sample: some OrderStatistics, p: Double, mixture: Boundaries.BetaBinomialMixture, resolution: Double) {
            if let c = sample as? CensoredSample {
                cells = c.finished.coarsened(resolution)
                censored = c.censored.count > 0 ? c.censored.coarsened(resolution) : nil
            } else {
                cells = sample.cells().coarsened(resolution)
                censored = nil
            }
            self.t = sample.count
            self.p = p
            self.mixture = mixture
            let n = Double(t)
            let v = p * (1 - p) * n
            // Golden-section search of the convex log mixture over the share below, in [0, 1].
            var (lo, hi) = (0.0, 1.0)
            let g = (5.0.squareRoot() - 1) / 2
            for _ in 0..<80 {
                let m1 = hi - g * (hi - lo)
                let m2 = lo + g * (hi - lo)
                if mixture.logSuperMartingale(s: (m1 - p) * n, v: v) < mixture.logSuperMartingale(s: (m2 - p) * n, v: v)
                {
                    hi = m2
                } else {
                    lo = m1
                }
            }
            bestCount = (lo + hi) / 2 * n
            if t > 0 {
                minimumStart = sample.lower(rank: max(1, Int(bestCount.rounded(.up))))
                minimumEnd = sample.upper(rank: min(t, Int(bestCount.rounded(.down)) + 1))
                let rank = min(t, Int((n * p).rounded(.down)) + 1)
                let upper = sample.upper(rank: rank)
                estimate = upper.isFinite ? upper : sample.lower(rank: rank)
            } else {
                (minimumStart, minimumEnd, estimate) = (0, 0, 0)
            }
        }

        var minEdge: Double { cells.lows.first ?? 0 }
        var maxEdge: Double { (cells.highs.last ?? 0).isFinite ? cells.highs.last ?? 0 : cells.lows.last ?? 0 }

        /// Where a sweep stands in this arm: how many cells start at or below x, how many end at or below it, and
        /// how many censored values start at or below it.
        struct Cursor {
            var started = -1
            var ended = 0
            var censoredStarted = 0
        }

        /// Moves the cursor to x (either way; a sweep moves it a few cells at a time).
        func move(_ c: inout Cursor, to x: Double) {
            if c.started < 0 {
                c.started = cells.count(of: cells.lows, atOrBelow: x)
                c.ended = cells.count(of: cells.highs, atOrBelow: x)
                c.censoredStarted = censored.map { $0.count(of: $0.lows, atOrBelow: x) } ?? 0
                return
            }
            Self.step(&c.started, cells.lows, x)
            Self.step(&c.ended, cells.highs, x)
            if let censored { Self.step(&c.censoredStarted, censored.lows, x) }
        }

        /// Moves `index` (the number of edges ≤ x) to x's.
        private static func step(_ index: inout Int, _ edges: [Double], _ x: Double) {
            while index < edges.count, edges[index] <= x { index += 1 }
            while index > 0, edges[index - 1] > x { index -= 1 }
        }

        /// The log mixture at the cursor's x, minimised over the counts at or below x the cells allow.
        func logMixture(_ c: Cursor) -> Double {
            let least = c.ended == 0 ? 0 : Int(cells.cumulative[c.ended - 1])
            var most = c.started == 0 ? 0 : Int(cells.cumulative[c.started - 1])
            if let censored, c.censoredStarted > 0 { most += Int(censored.cumulative[c.censoredStarted - 1]) }
            let n = Double(t)
            if Double(least) <= bestCount, bestCount <= Double(most) {
                if atBest.isNaN { atBest = mixture.logSuperMartingale(s: bestCount - p * n, v: p * (1 - p) * n) }
                return atBest
            }
            if Double(least) > bestCount { return logMixture(count: least, memo: &memoEnded, at: c.ended) }
            return logMixture(count: most, memo: &memoStarted, at: censored == nil ? c.started : nil)
        }

        /// The log mixture at a whole count; remembered by the cursor index that gave it (the counts at a cell edge),
        /// since a read asks for the same edges many times while inverting.
        private func logMixture(count: Int, memo: inout [Double], at index: Int?) -> Double {
            if let index, index < memo.count, !memo[index].isNaN { return memo[index] }
            let n = Double(t)
            let value = mixture.logSuperMartingale(s: Double(count) - p * n, v: p * (1 - p) * n)
            if let index {
                if memo.isEmpty { memo = [Double](repeating: .nan, count: cells.cumulative.count + 1) }
                memo[index] = value
            }
            return value
        }

        /// The cells' edges within [from, to], where the count range changes.
        func edges(from: Double, to: Double) -> [Double] {
            guard from <= to else { return [] }
            var out: [Double] = []
            if let censored {
                for low in censored.lows where low >= from && low <= to { out.append(low) }
            }
            let start = cells.firstCell(endingAfter: from)
            var i = start
            while i < cells.lows.count, cells.lows[i] <= to {
                if cells.lows[i] >= from { out.append(cells.lows[i]) }
                if cells.highs[i] >= from, cells.highs[i] <= to { out.append(cells.highs[i]) }
                i += 1
            }
            if censored != nil { out.sort() }
            return out
        }
    }
}

/// An arm's observations in issue order where some were cut off before they finished (quitting, the run's
/// deadline, a client gone): those are right-censored at the time they had taken. By rank, a censored value counts
/// at its lower end for `lower(rank:)` and as +∞ for `upper(rank:)`, so intervals read from ranks stay valid.
public struct CensoredSample: OrderStatistics, Sendable {
    public let finished: HistogramRanks
    public let censored: HistogramRanks

    public init(finished: HistogramRanks, censored: HistogramRanks) {
        self.finished = finished
        self.censored = censored
    }

    public var count: Int { finished.count + censored.count }

    /// The rank-th smallest of the finished values' and the censored values' lower ends.
    public func lower(rank: Int) -> Double {
        guard censored.count > 0 else { return finished.lower(rank: rank) }
        // Bisection on a value: the smallest cell low at which the merged count reaches the rank.
        var candidates = finished.lows + censored.lows
        candidates.sort()
        var lo = 0
        var hi = candidates.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            let x = candidates[mid]
            if finished.countRange(atOrBelow: x).most + censored.countRange(atOrBelow: x).most >= rank {
                hi = mid
            } else {
                lo = mid + 1
            }
        }
        return candidates[lo]
    }

    /// The rank-th smallest with the censored values at +∞.
    public func upper(rank: Int) -> Double { rank <= finished.count ? finished.upper(rank: rank) : .infinity }
}

extension OrderStatistics {
    /// The observations as cells (value ranges with counts), for tests that need counts at or below any x.
    public func cells() -> HistogramRanks {
        if let ranks = self as? HistogramRanks { return ranks }
        if let sorted = self as? SortedSample { return HistogramRanks(exact: sorted.values) }
        // Any other source: one cell per rank, from its bounds.
        var cumulative: [UInt64] = []
        var lows: [Double] = []
        var highs: [Double] = []
        for rank in stride(from: 1, through: count, by: 1) {
            cumulative.append(UInt64(rank))
            lows.append(lower(rank: rank))
            highs.append(upper(rank: rank).nextUp)
        }
        return HistogramRanks(cumulative: cumulative, lows: lows, highs: highs)
    }
}

extension HistogramRanks {
    /// Exact values (sorted ascending): one cell per distinct value, [v, v⁺) so that "ends at or below x" counts
    /// the values below x and "starts at or below x" those at or below it, as confseq's `count_less` and
    /// `count_less_or_equal`.
    public init(exact sorted: [Double]) {
        var cumulative: [UInt64] = []
        var lows: [Double] = []
        var highs: [Double] = []
        for v in sorted {
            if let last = lows.last, last == v {
                cumulative[cumulative.count - 1] += 1
            } else {
                lows.append(v)
                highs.append(v.nextUp)
                cumulative.append((cumulative.last ?? 0) + 1)
            }
        }
        self.init(cumulative: cumulative, lows: lows, highs: highs)
    }

    /// Adjacent cells merged while the merged cell spans at most `resolution` of its lower edge (positive values;
    /// 0 leaves the cells as they are). A merged cell holds the same observations in a wider range.
    func coarsened(_ resolution: Double) -> HistogramRanks {
        guard resolution > 0, lows.count > 1 else { return self }
        var c: [UInt64] = []
        var l: [Double] = []
        var h: [Double] = []
        for i in lows.indices {
            if let start = l.last, start > 0, highs[i] <= start * (1 + resolution) {
                h[h.count - 1] = highs[i]
                c[c.count - 1] = cumulative[i]
            } else {
                l.append(lows[i])
                h.append(highs[i])
                c.append(cumulative[i])
            }
        }
        return HistogramRanks(cumulative: c, lows: l, highs: h)
    }

    /// How many observations are surely at or below x (their cell ends at or below it: every value in the cell is
    /// below x), and how many may be (their cell starts at or below it).
    func countRange(atOrBelow x: Double) -> (least: Int, most: Int) {
        (count(cellsWhere: highs, atOrBelow: x), count(cellsWhere: lows, atOrBelow: x))
    }

    private func count(cellsWhere edges: [Double], atOrBelow x: Double) -> Int {
        let cells = count(of: edges, atOrBelow: x)
        return cells == 0 ? 0 : Int(cumulative[cells - 1])
    }

    /// How many of the ascending `edges` are ≤ x.
    func count(of edges: [Double], atOrBelow x: Double) -> Int {
        var low = 0
        var high = edges.count
        while low < high {
            let mid = (low + high) / 2
            if edges[mid] <= x { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The first cell whose upper edge is above x (the cells before it lie wholly at or below x).
    func firstCell(endingAfter x: Double) -> Int {
        var low = 0
        var high = highs.count
        while low < high {
            let mid = (low + high) / 2
            if highs[mid] <= x { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
