import ABCore
import Testing

@Suite struct RouterTests {
    @Test func interleaveGivesExactSharesInEveryWindow() throws {
        var router = Router(weights: try #require(Weights([90, 10])), strategy: .interleave)
        for _ in 0..<50 {
            let picks = (0..<10).map { _ in router.pick()! }
            #expect(picks.filter { $0 == 0 }.count == 9)
            #expect(picks.filter { $0 == 1 }.count == 1)
        }
        var three = Router(weights: try #require(Weights([50, 30, 20])), strategy: .interleave)
        let picks = (0..<100).map { _ in three.pick()! }
        #expect([0, 1, 2].map { i in picks.filter { $0 == i }.count } == [50, 30, 20])
        // Smooth: the big entity is never picked more than twice in a row at 50/30/20.
        #expect(!zip(picks, zip(picks.dropFirst(), picks.dropFirst(2))).contains { $0 == 0 && $1.0 == 0 && $1.1 == 0 })
    }

    @Test func seededRandomStaysWithinThreeSigma() throws {
        for weights in [[90, 10], [50, 50], [50, 30, 20], [1, 99]] {
            var router = Router(weights: try #require(Weights(weights)), strategy: .random, seed: 42)
            let n = 100_000
            var counts = [Int](repeating: 0, count: weights.count)
            for _ in 0..<n { counts[router.pick()!] += 1 }
            for (i, w) in weights.enumerated() {
                let p = Double(w) / 100
                let sigma = (Double(n) * p * (1 - p)).squareRoot()
                #expect(abs(Double(counts[i]) - Double(n) * p) <= 3 * sigma, "\(weights): \(counts)")
            }
        }
    }

    @Test func sameSeedSamePicks() throws {
        let w = try #require(Weights([60, 40]))
        var a = Router(weights: w, seed: 7)
        var b = Router(weights: w, seed: 7)
        var c = Router(weights: w, seed: 8)
        let pa = (0..<200).map { _ in a.pick()! }
        #expect(pa == (0..<200).map { _ in b.pick()! })
        #expect(pa != (0..<200).map { _ in c.pick()! })
    }

    @Test func reweightTakesEffectOnTheNextPickAndOpensAnEpoch() throws {
        var router = Router(weights: try #require(Weights([50, 50])), strategy: .interleave)
        _ = router.pick()
        let epoch = router.setWeights(try #require(Weights([100, 0])), at: 12.5)
        #expect(epoch.index == 1 && epoch.startedAt == 12.5)
        #expect((0..<20).allSatisfy { _ in router.pick() == 0 })
        #expect(router.setWeights(try #require(Weights([100, 0])), at: 13).index == 1, "no change, no new epoch")
        #expect(router.epoch.index == 1 && router.epoch.startedAt == 12.5)
    }

    @Test func unavailableEntitysShareGoesToTheOthers() throws {
        for strategy in RoutingStrategy.allCases where !strategy.isAdaptive {
            var router = Router(weights: try #require(Weights([50, 30, 20])), strategy: strategy, seed: 1)
            var counts = [0, 0, 0]
            for _ in 0..<10_000 { counts[router.pick(available: [false, true, true])!] += 1 }
            #expect(counts[0] == 0)
            #expect(abs(Double(counts[1]) / 10_000 - 0.6) < 0.02, "\(strategy): \(counts)")
            #expect(router.pick(available: [false, false, false]) == nil)
        }
        var zeroRest = Router(weights: try #require(Weights([100, 0])))
        #expect(zeroRest.pick(available: [false, true]) == nil, "a 0 % entity takes no traffic")
    }

    @Test func stickyKeysKeepTheirEntityAndStillFollowTheWeights() throws {
        var router = Router(weights: try #require(Weights([70, 30])), sticky: true)
        let keys = (0..<20_000).map { "user-\($0)" }
        let first = keys.map { router.pick(stickyKey: $0)! }
        #expect(keys.map { router.pick(stickyKey: $0)! } == first)
        let share = Double(first.filter { $0 == 0 }.count) / Double(keys.count)
        #expect(abs(share - 0.7) < 0.015, "\(share)")
        // When entity 1 is unavailable its keys move, but entity 0's keys stay.
        let moved = keys.map { router.pick(available: [true, false], stickyKey: $0)! }
        #expect(moved.allSatisfy { $0 == 0 })
        // A new epoch reshuffles keys.
        router.setWeights(router.weights.moving(0, by: 1), at: 1)
        let after = keys.map { router.pick(stickyKey: $0)! }
        #expect(after != first)
    }

    /// Issue 28: replicas of a fleet share no sticky state. A replica restarted (its epochs counted from 0 again)
    /// and one that moved its split back and forth send every key where the others do, because the split, not the
    /// epoch's number, picks.
    @Test func stickyKeysGoToTheSameEntityOnEveryReplica() throws {
        let split = try #require(Weights([60, 40]))
        var fresh = Router(weights: split, sticky: true)
        var moved = Router(weights: try #require(Weights([10, 90])), sticky: true)
        moved.setWeights(try #require(Weights([90, 10])), at: 1)
        moved.setWeights(split, at: 2)
        #expect(moved.epoch.index == 2 && fresh.epoch.index == 0)
        let keys = (0..<5_000).map { "session-\($0)" }
        #expect(keys.map { fresh.pick(stickyKey: $0)! } == keys.map { moved.pick(stickyKey: $0)! })
    }

    @Test func fallbackOrderFollowsServedEntitiesSkippingTheArm() throws {
        let router = Router(weights: try #require(Weights([25, 25, 25, 25])))
        #expect(router.fallbackOrder(after: 2) == [0, 1, 3])
        #expect(router.fallbackOrder(after: 0, available: [true, false, true, true]) == [2, 3])
    }
}

/// Issue 27, item 2: adaptive allocation. Thompson sampling sends most traffic to the arm that fails less, every
/// arm with a share keeps its floor, and the Beta draws are Beta-distributed.
@Suite struct ThompsonRouterTests {
    @Test func traffic_moves_to_the_better_arm_and_every_arm_keeps_its_floor() {
        var router = Router(weights: Weights([50, 50, 0])!, strategy: .thompson, seed: 9, floor: 0.05)
        var rng = SplitMix64(seed: 4)
        var picks = [0, 0, 0]
        for _ in 0..<20_000 {
            let arm = router.pick()!
            picks[arm] += 1
            // Arm 0 fails 2 % of the time, arm 1 10 %.
            router.observe(entity: arm, success: rng.unit() >= (arm == 0 ? 0.02 : 0.10))
        }
        #expect(picks[2] == 0, "an arm without a share stays out")
        #expect(picks[0] > 17_000, "\(picks)")
        // The floor: 5 % of picks are uniform over the two arms, so arm 1 gets at least about 2.5 % of them.
        #expect(picks[1] >= 400, "\(picks)")
        // Other strategies learn nothing from outcomes.
        var random = Router(weights: Weights([50, 50])!, strategy: .random, seed: 9)
        for _ in 0..<100 { random.observe(entity: 0, success: false) }
        var counts = [0, 0]
        for _ in 0..<10_000 { counts[random.pick()!] += 1 }
        #expect(abs(counts[0] - 5_000) < 300)
    }

    @Test func betaDrawsHaveTheBetaMeanAndVariance() {
        var rng = SplitMix64(seed: 11)
        for (a, b) in [(1.0, 1.0), (3.0, 9.0), (40.0, 2.0)] {
            let draws = (0..<40_000).map { _ in Router.beta(a, b, &rng) }
            let mean = draws.reduce(0, +) / Double(draws.count)
            var squares = 0.0
            for d in draws { squares += (d - mean) * (d - mean) }
            let variance = squares / Double(draws.count)
            let m = a / (a + b)
            let v = a * b / ((a + b) * (a + b) * (a + b + 1))
            #expect(abs(mean - m) < 0.005, "Beta(\(a), \(b)) mean \(mean) vs \(m)")
            #expect(abs(variance - v) < v * 0.05, "Beta(\(a), \(b)) variance \(variance) vs \(v)")
        }
    }

    @Test func adaptiveAllocationIsReadAndRefusedWithARollout() {
        let base = #"""
            {"served_entities": [
              {"name": "a", "external_model": {"name": "m1", "provider": "openai", "task": "llm/v1/chat",
                "openai_config": {"openai_api_key": "{{secrets/s/k}}"}}},
              {"name": "b", "external_model": {"name": "m2", "provider": "openai", "task": "llm/v1/chat",
                "openai_config": {"openai_api_key": "{{secrets/s/k}}"}}}],
             "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 50},
                                           {"served_model_name": "b", "traffic_percentage": 50}]},
             "abtop": {"router": ROUTER EXTRA}}
            """#
        func read(_ router: String, _ extra: String = "") -> EndpointConfigReader.Outcome {
            EndpointConfigReader.read(
                text: base.replacingOccurrences(of: "ROUTER", with: router).replacingOccurrences(
                    of: "EXTRA", with: extra), defaultName: "x")
        }
        #expect(read(#"{"strategy": "thompson", "floor": 0.1}"#).config?.settings.floor == 0.1)
        #expect(
            read(#"{"strategy": "random", "floor": 0.1}"#).issues.errors.first?.path.description == "abtop.router.floor"
        )
        #expect(
            read(#"{"strategy": "thompson"}"#, #", "rollout": {"baseline": "a", "candidate": "b"}"#).issues.errors
                .first?
                .path.description == "abtop.rollout")
    }
}
