import ABCore
import Testing

@Suite struct WeightsTests {
    @Test func largestRemainderRounding() {
        #expect(Weights.largestRemainder([1, 1, 1], total: 100) == [34, 33, 33])
        #expect(Weights.largestRemainder([45, 45], total: 100) == [50, 50])
        #expect(Weights.largestRemainder([2, 1], total: 100) == [67, 33])
        #expect(Weights.largestRemainder([0, 0], total: 100) == [0, 0])
    }

    @Test func movingRescalesTheOthersInProportion() throws {
        let w = try #require(Weights([50, 30, 20]))
        #expect(w.moving(0, by: 10).percentages == [60, 24, 16])
        #expect(w.moving(0, by: 5).percentages == [55, 27, 18])
        #expect(try #require(Weights([50, 50])).moving(0, by: 5).percentages == [55, 45])
    }

    @Test func movesToZeroAndHundredAndBack() throws {
        var w = try #require(Weights([50, 50]))
        w = w.moving(1, by: 100)
        #expect(w.percentages == [0, 100])
        w = w.moving(1, by: -1)
        #expect(w.percentages == [1, 99])
        var three = try #require(Weights([100, 0, 0]))
        three = three.moving(0, by: -10)
        #expect(three.percentages == [90, 5, 5], "zero-weight others share equally")
        three = three.setting(2, to: 0)
        #expect(three.percentages == [95, 5, 0])
    }

    @Test func randomMovesNeverBreakTheSum() throws {
        var rng = SplitMix64(seed: 99)
        for count in 2...8 {
            var w = Weights.even(count: count)
            for _ in 0..<2_000 {
                let entity = rng.below(count)
                let delta = [-5, -1, 1, 5, 37, -100, 100][rng.below(7)]
                let before = w[entity]
                w = w.moving(entity, by: delta)
                #expect(w.percentages.reduce(0, +) == 100)
                #expect(w.percentages.allSatisfy { (0...100).contains($0) })
                #expect(w[entity] == min(100, max(0, before + delta)))
            }
        }
    }

    @Test func invalidWeightsAreRefused() {
        #expect(Weights([50, 40]) == nil)
        #expect(Weights([110, -10]) == nil)
        #expect(Weights([]) == nil)
    }
}
