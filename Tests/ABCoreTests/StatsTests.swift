import ABCore
import Histogram
import Testing

private let ms: UInt64 = 1_000_000

private func outcome(
    _ entity: Int, e2e: UInt64, ttft: UInt64? = nil, epoch: Int = 0, error: ErrorKind? = nil,
    tokens: TokenUsage = TokenUsage(input: 10, output: 11), cost: Double? = nil,
    fallbackFor arm: Int? = nil, retries: Int = 0
) -> RequestOutcome {
    RequestOutcome(
        entity: entity, arm: arm ?? entity, epoch: epoch, isFallback: arm != nil, retries: retries,
        timing: RequestTiming(
            start: 1_000 * ms, firstByte: ttft.map { 1_000 * ms + $0 * ms / 2 },
            firstToken: ttft.map { 1_000 * ms + $0 * ms }, end: 1_000 * ms + e2e * ms),
        streamed: ttft != nil, status: error == nil ? 200 : 500, error: error, usage: tokens, costUSD: cost)
}

@Suite struct StatsTests {
    let infos = [
        EntityInfo(name: "a", model: "gpt-4", provider: "openai"),
        EntityInfo(name: "b", model: "claude", provider: "anthropic"),
    ]

    func aggregator() throws -> StatsAggregator {
        StatsAggregator(
            entities: infos, epoch: SplitEpoch(index: 0, weights: try #require(Weights([50, 50])), startedAt: 0))
    }

    @Test func percentilesCountsTokensAndCost() throws {
        var s = try aggregator()
        for i in 1...100 {
            s.requestStarted(entity: 0)
            s.record(outcome(0, e2e: UInt64(i) * 10, ttft: UInt64(i), cost: 0.01), at: 1)
        }
        s.record(outcome(0, e2e: 5, error: .rateLimited), at: 1)
        let snap = s.snapshot(at: 2)
        let a = snap.entities[0]
        #expect(a.requests == 101 && a.successes == 100 && a.errors == [.rateLimited: 1] && a.inFlight == 0)
        let e2e = try #require(a.e2e)
        #expect(abs(e2e.p50 - 500) <= 0.5 && abs(e2e.p99 - 990) <= 1 && abs(e2e.max - 1000) <= 1, "\(e2e)")
        let ttft = try #require(a.ttft)
        #expect(abs(ttft.p90 - 90) <= 0.1)
        // TPOT = (E2E − TTFT) / (11 − 1) = 9i / 10 ms.
        let tpot = try #require(a.tpot)
        #expect(abs(tpot.p50 - 45) <= 0.05, "\(tpot)")
        #expect(a.tokens.input == 1_010 && a.tokens.output == 1_111 && !a.tokens.estimated)
        #expect(abs(a.costUSD! - 1.0) < 1e-9)
        // Decode speed: Σ(out − 1) / Σ(E2E − TTFT) = 1000 tokens / (Σ 9i ms) = 1000 / 45.45 s.
        #expect(abs(a.decodeTokensPerSecond! - 1000 / 45.45) < 1e-9)
        #expect(snap.entities[1].e2e == nil && snap.entities[1].costUSD == nil)
    }

    @Test func sharesArePerEpochAndFallbacksStayOutOfTheComparison() throws {
        var s = try aggregator()
        func assignAndRecord(_ entity: Int, count: Int, epoch: Int, at time: Double) {
            for _ in 0..<count {
                s.assigned(entity: entity, epoch: epoch)
                s.record(outcome(entity, e2e: 100, epoch: epoch), at: time)
            }
        }
        assignAndRecord(0, count: 30, epoch: 0, at: 1)
        assignAndRecord(1, count: 10, epoch: 0, at: 1)
        s.openEpoch(SplitEpoch(index: 1, weights: try #require(Weights([20, 80])), startedAt: 5))
        assignAndRecord(0, count: 2, epoch: 1, at: 6)
        assignAndRecord(1, count: 8, epoch: 1, at: 6)
        s.assigned(entity: 0, epoch: 1)
        s.record(outcome(0, e2e: 100, epoch: 1, error: .http5xx, tokens: TokenUsage(input: 5, output: 0)), at: 6)
        s.record(outcome(1, e2e: 900, epoch: 1, tokens: TokenUsage(input: 5, output: 50), fallbackFor: 0), at: 6)
        let snap = s.snapshot(at: 7)
        #expect(snap.epoch.index == 1)
        #expect(snap.epochs.map(\.requests) == [[30, 10], [3, 8]])
        #expect(snap.epochs.map(\.assigned) == [[30, 10], [3, 8]])
        #expect(snap.entities[0].observedShare == 3.0 / 11.0)
        #expect(snap.entities[0].overallShare == 33.0 / 51.0, "30 + 3 of 40 + 11 picks")
        #expect(snap.entities[0].targetPercentage == 20)
        let b = snap.entities[1]
        #expect(b.requests == 18 && b.fallbacks == 1)
        #expect(b.e2e?.max ?? 0 < 200, "the fallback's 900 ms is not in b's latency")
        #expect(b.tokens.output == 18 * 11 + 50, "a fallback's tokens are still spent")
        let srm = s.srm()
        #expect(srm.count == 2 && srm[0].weights == [50, 50] && srm[1].observed == [3, 8])
    }

    /// Shares and SRM count the router's picks: a slow arm with half its requests still in flight is not short.
    @Test func observedShareCountsAssignmentsNotCompletions() throws {
        var s = try aggregator()
        for i in 0..<1_000 {
            s.assigned(entity: i % 2, epoch: 0)
            s.requestStarted(entity: i % 2)
            if i % 2 == 0 || i % 4 == 1 { s.record(outcome(i % 2, e2e: 10), at: 1) }
        }
        let snap = s.snapshot(at: 2)
        #expect(snap.entities[0].observedShare == 0.5)
        #expect(snap.entities[1].requests == 250 && snap.entities[1].inFlight == 250)
        #expect(!s.srm()[0].flagged)
    }

    /// A request cut off by the run is neither a success nor an error: the table and the verdicts agree.
    @Test func cancelledRequestsAreNotErrors() throws {
        var s = try aggregator()
        for i in 0..<40 {
            s.assigned(entity: i % 2, epoch: 0)
            s.record(outcome(i % 2, e2e: 100), at: 1)
        }
        for _ in 0..<15 { s.record(outcome(1, e2e: 30, error: .cancelled, tokens: TokenUsage()), at: 2) }
        let b = s.snapshot(at: 3).entities[1]
        #expect(b.requests == 20 && b.errorCount == 0 && b.cancelled == 15 && b.successes == 20)
        let errors = try #require(s.verdicts().first { $0.metric == .errorRate })
        #expect(errors.estimateB == 0 && errors.nB == 20 && errors.state != .decided, "\(errors.text)")
    }

    @Test func srmFlagsASkewedSplit() throws {
        var s = try aggregator()
        for _ in 0..<600 { s.assigned(entity: 0, epoch: 0) }
        for _ in 0..<400 { s.assigned(entity: 1, epoch: 0) }
        #expect(s.srm()[0].flagged)
        var fair = try aggregator()
        for _ in 0..<505 { fair.assigned(entity: 0, epoch: 0) }
        for _ in 0..<495 { fair.assigned(entity: 1, epoch: 0) }
        #expect(!fair.srm()[0].flagged)
    }

    @Test func sparklineBucketsPerSecond() throws {
        var s = try aggregator()
        s.record(outcome(0, e2e: 100), at: 0.5)
        s.record(outcome(0, e2e: 300), at: 0.9)
        s.record(outcome(0, e2e: 50, error: .timeout), at: 2.1)
        let recent = s.snapshot(at: 3.0).entities[0].recent
        #expect(recent.count == 120)
        let last4 = Array(recent.suffix(4))
        #expect(last4.map(\.requests) == [2, 0, 1, 0])
        #expect(last4[0].meanLatencyMilliseconds == 200)
        #expect(last4[2].errors == 1 && last4[2].meanLatencyMilliseconds == nil)
    }

    @Test func verdictsCompareEachEntityWithTheFirst() throws {
        var s = try aggregator()
        for i in 0..<300 {
            s.record(outcome(0, e2e: 100 + UInt64(i % 7), ttft: 20), at: 1)
            s.record(outcome(1, e2e: 140 + UInt64(i % 7), ttft: 20), at: 1)
        }
        let v = s.verdicts()
        #expect(v.map(\.metric) == [.errorRate, .latencyE2EP50, .latencyE2EP95, .ttftP50, .ttftP95, .cost])
        let p50 = v[1]
        #expect(p50.state == .decided && p50.primary && p50.pValue! <= 0.05)
        #expect(
            p50.text.hasPrefix("b's p50 latency is 38–42 ms slower than a's (1.4×: 143 ms vs 103 ms) — decided"),
            "\(p50.text)")
        #expect(v[3].state != .decided, "equal TTFTs: \(v[3].text)")
    }

    @Test func snapshotIsAValueUnaffectedByLaterRecords() throws {
        var s = try aggregator()
        s.record(outcome(0, e2e: 100), at: 1)
        let before = s.snapshot(at: 1)
        s.record(outcome(0, e2e: 100), at: 1)
        #expect(before.entities[0].requests == 1)
        #expect(s.snapshot(at: 1).entities[0].requests == 2)
    }
}

/// `DurationHistogram` is HdrHistogram's layout written out: its answers must be the `Histogram` package's own.
@Suite struct DurationHistogramTests {
    @Test func percentilesAndMaxEqualHdrHistogramsOwn() throws {
        var rng = SplitMix64(seed: 5)
        for (n, spread) in [
            (1, 2_000_000_000), (2, 5_000), (3, 2_000_000_000), (10, 300_000_000), (99, 2_000_000_000),
            (1_000, 40_000_000), (25_000, 2_000_000_000), (5_000, 1_500),
        ] {
            var h = DurationHistogram()
            var reference = Histogram<UInt64>(
                highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
            for _ in 0..<n {
                let nanos = UInt64(1_000 + rng.below(spread))
                h.record(nanoseconds: nanos)
                reference.record(Swift.max(1, nanos / 1_000))
            }
            let p = try #require(h.percentiles)
            func ms(_ level: Double) -> Double { Double(reference.valueAtPercentile(level)) / 1_000 }
            #expect([p.p50, p.p90, p.p95, p.p99] == [ms(50), ms(90), ms(95), ms(99)], "n = \(n)")
            #expect(p.max == Double(reference.max) / 1_000, "n = \(n)")
            for level in [0.0, 0.1, 12.5, 33.3, 99.9, 100] {
                #expect(h.valueAtPercentile(level) == ms(level), "n = \(n), p\(level)")
            }
            #expect(h.count == reference.totalCount)
        }
        #expect(DurationHistogram().percentiles == nil)
    }

    @Test func valuesPastAnHourAreKeptAtAnHour() throws {
        var h = DurationHistogram()
        h.record(nanoseconds: 10 * 3_600_000_000_000)
        h.record(nanoseconds: 0)
        let p = try #require(h.percentiles)
        #expect(p.p99 >= 3_599_000 && p.p99 <= 3_604_000 && h.valueAtPercentile(0) == 0.001)
    }
}
