import ABCore
import Testing

/// Every statistic against scipy (Fixtures/make_fixtures.py), to 1e-9 relative where scipy is exact.
@Suite struct AnalysisTests {
    let fixtures: JSONValue

    init() throws {
        fixtures = try Fixtures.json("stats.json")
    }

    @Test func normalQuantileMatchesScipy() {
        for c in fixtures["normal_quantile"].array {
            let z = Normal.quantile(c["p"].double)
            #expect(close(z, c["z"].double, relative: 1e-12, absolute: 1e-15), "p = \(c["p"].double): \(z)")
        }
    }

    @Test func twoSidedPMatchesScipy() {
        for c in fixtures["normal_two_sided_p"].array {
            #expect(close(Normal.twoSidedP(c["z"].double), c["p"].double), "z = \(c["z"].double)")
        }
    }

    /// The tables' rates carry confseq's interval (the one `rateIntervalsMatchConfseq` checks): wider than a
    /// fixed-horizon one, and still a proper interval at 0 and n of n.
    @Test func tableRatesAreAlwaysValid() {
        let p = Proportion(alwaysValid: 3, of: 812)
        let (low, high) = BernoulliSequence.interval(successes: 3, trials: 812, alpha: 0.05)
        #expect(p.lower == low && p.upper == high && p.estimate == 3.0 / 812)
        // Wilson's fixed-horizon 95 % interval for 3 of 812 is 0.00126–0.01081: the always-valid one is wider.
        #expect(p.lower < 0.00125 && p.upper > 0.0109, "\(p)")
        let none = Proportion(alwaysValid: 0, of: 0)
        #expect(none.lower == 0 && none.upper == 1)
        let all = Proportion(alwaysValid: 10, of: 10)
        #expect(all.upper == 1 && all.lower < 1 && all.lower > 0.3, "\(all)")
    }

    @Test func bradleyTerryMatchesScipyOptimum() throws {
        for c in fixtures["bradley_terry"].array {
            let votes = c["votes"].array.map {
                Vote(a: $0["a"].int, b: $0["b"].int, choice: Vote.Choice(rawValue: $0["choice"].string!)!)
            }
            let s = try #require(BradleyTerry.strengths(votes, entityCount: c["entities"].int))
            let expected = c["strengths"].array.map(\.double)
            // scipy's optimiser stops at gtol 1e-12 on the gradient, so agreement is to ~1e-7, not 1e-9.
            for (mine, theirs) in zip(s, expected) {
                #expect(close(mine, theirs, relative: 1e-6), "\(c["name"].string!): \(s) vs \(expected)")
            }
            #expect(close(s.reduce(0, +), 1, relative: 1e-12))
        }
    }

    @Test func bradleyTerryBootstrapIsReproducibleAndBracketsTheEstimate() throws {
        let c = fixtures["bradley_terry"].array[0]
        let votes = c["votes"].array.map {
            Vote(a: $0["a"].int, b: $0["b"].int, choice: Vote.Choice(rawValue: $0["choice"].string!)!)
        }
        let one = try #require(BradleyTerry.bootstrapIntervals(votes, entityCount: 3, seed: 7))
        let two = try #require(BradleyTerry.bootstrapIntervals(votes, entityCount: 3, seed: 7))
        #expect(one == two)
        let s = try #require(BradleyTerry.strengths(votes, entityCount: 3))
        for i in 0..<3 {
            #expect(one[i].lower <= s[i] && s[i] <= one[i].upper)
            #expect(one[i].lower < one[i].upper)
        }
    }

    @Test func winRatesCountTiesAndBothBadAsHalf() {
        let votes = [
            Vote(a: 0, b: 1, choice: .aBetter), Vote(a: 1, b: 0, choice: .aBetter),
            Vote(a: 0, b: 1, choice: .tie), Vote(a: 1, b: 0, choice: .bothBad),
            Vote(a: 0, b: 1, choice: .aBetter),
        ]
        let rates = WinRate.of(votes, entityCount: 2)
        #expect(rates[0].wins == 2 && rates[0].ties == 2 && rates[0].losses == 1)
        #expect(rates[0].rate.estimate == 3.0 / 5.0)
        #expect(rates[1].rate.estimate == 2.0 / 5.0)
        #expect(rates[0].rate.lower < 0.6 && rates[0].rate.upper > 0.6)
    }
}
