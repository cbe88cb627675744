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

    @Test func wilsonIntervalMatchesScipy() {
        for c in fixtures["wilson"].array {
            let p = Proportion(successes: c["successes"].double, trials: c["trials"].int)
            #expect(
                close(p.lower, c["lower"].double, absolute: 1e-15), "\(c["successes"].double)/\(c["trials"].int) lower")
            #expect(
                close(p.upper, c["upper"].double, absolute: 1e-15), "\(c["successes"].double)/\(c["trials"].int) upper")
        }
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
