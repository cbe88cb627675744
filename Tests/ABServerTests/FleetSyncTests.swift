import ABCore
import Foundation
import Synchronization
import Testing

@testable import ABServer

/// Issue 28: what the serving registry shares with a fleet (through `FleetSync`), with a fake fleet standing in for
/// Redis: its own changes are published and the fleet's are not sent back; a payload the fleet refuses changes
/// nothing; rate limits are the fleet's while it answers and this replica's share of them when it does not.
@Suite struct FleetSyncTests {
    final class FakeFleet: FleetSync, @unchecked Sendable {
        let published = Mutex<[(name: String, payload: JSONObject?, weights: [Int]?)]>([])
        let answer = Mutex<FleetAdmission>(.admitted)
        let charged = Mutex<[Int]>([])
        let refuse = Atomic<Bool>(false)
        let size: Int

        init(size: Int = 1) { self.size = size }

        func check(_ payload: JSONObject) throws(ServingError) {
            if refuse.load(ordering: .relaxed) { throw ServingError.invalid("refused by the fleet") }
        }
        func publish(_ name: String, payload: JSONObject?, weights: [Int]?) {
            published.withLock { $0.append((name, payload, weights)) }
        }
        func admit(_ name: String, limits: [AIGatewayConfig.RateLimit], caller: String) -> FleetAdmission {
            answer.withLock { $0 }
        }
        func charge(_ name: String, limits: [AIGatewayConfig.RateLimit], tokens: Int, caller: String) {
            charged.withLock { $0.append(tokens) }
        }
        var fleetSize: Int { size }
    }

    func limited(_ calls: Int, name: String = "mix") -> JSONValue {
        var payload = ServingFixtures.json(ServingFixtures.payload(name: name)).objectValue!
        payload["ai_gateway"] = ServingFixtures.json(
            #"{"rate_limits": [{"calls": \#(calls), "key": "endpoint", "renewal_period": "minute"}]}"#)
        return .object(payload)
    }

    @Test func ownChangesArePublishedAndTheFleetsAreNotSentBack() async throws {
        let fleet = FakeFleet()
        let registry = ServingRegistry(factory: FakeFactory())
        registry.join(fleet)
        _ = try registry.create(ServingFixtures.json(ServingFixtures.payload(weights: (80, 20))))
        _ = try await registry.updateConfig(
            "mix",
            ServingFixtures.json(
                #"{"traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 30}, "#
                    + #"{"served_model_name": "b", "traffic_percentage": 70}]}}"#))
        _ = try await registry.delete("mix")
        let seen = fleet.published.withLock { $0 }
        #expect(seen.map(\.name) == ["mix", "mix", "mix"])
        #expect(seen.map(\.weights) == [[80, 20], [30, 70], nil])
        #expect(seen[0].payload?["name"] == .string("mix") && seen[2].payload == nil)

        // The fleet's own state applied here: created with the fleet's live split, and nothing published back.
        let shared = ServingFixtures.json(ServingFixtures.payload(name: "other", weights: (50, 50))).objectValue!
        #expect(await registry.applyShared("other", payload: shared, weights: [10, 90]) == .applied)
        #expect(registry.endpoint(named: "other")?.runtime.weights.percentages == [10, 90])
        #expect(await registry.applyShared("other", payload: shared, weights: [60, 40]) == .applied)
        #expect(registry.endpoint(named: "other")?.runtime.weights.percentages == [60, 40])
        #expect(await registry.applyShared("other", payload: nil, weights: nil) == .applied)
        #expect(registry.endpoint(named: "other") == nil)
        #expect(fleet.published.withLock { $0.count } == 3)

        // The fleet's state read before a change made here is not applied over it.
        _ = try registry.create(ServingFixtures.json(ServingFixtures.payload(name: "third", weights: (50, 50))))
        let before = registry.revision(of: "third")
        _ = try await registry.updateConfig(
            "third",
            ServingFixtures.json(
                #"{"traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 20}, "#
                    + #"{"served_model_name": "b", "traffic_percentage": 80}]}}"#))
        let stale = ServingFixtures.json(ServingFixtures.payload(name: "third", weights: (50, 50))).objectValue!
        #expect(
            await registry.applyShared("third", payload: stale, weights: [50, 50], ifRevision: .some(before))
                == .skipped)
        #expect(registry.endpoint(named: "third")?.runtime.weights.percentages == [20, 80])
    }

    @Test func aPayloadTheFleetRefusesChangesNothing() async throws {
        let fleet = FakeFleet()
        let registry = ServingRegistry(factory: FakeFactory())
        registry.join(fleet)
        _ = try registry.create(ServingFixtures.json(ServingFixtures.payload(weights: (80, 20))))
        fleet.refuse.store(true, ordering: .relaxed)
        #expect(throws: ServingError.self) {
            try registry.create(ServingFixtures.json(ServingFixtures.payload(name: "second")))
        }
        await #expect(throws: ServingError.self) {
            try await registry.updateConfig(
                "mix",
                ServingFixtures.json(
                    #"{"traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 1}, "#
                        + #"{"served_model_name": "b", "traffic_percentage": 99}]}}"#))
        }
        #expect(registry.endpoint(named: "second") == nil)
        #expect(registry.endpoint(named: "mix")?.runtime.weights.percentages == [80, 20])
        #expect(fleet.published.withLock { $0.count } == 1)
    }

    @Test func theFleetsBucketsDecideWhileItAnswers() throws {
        let fleet = FakeFleet(size: 3)
        let registry = ServingRegistry(factory: FakeFactory(), clock: { 0 })
        registry.join(fleet)
        _ = try registry.create(limited(1))
        // Admitted by the fleet: the local bucket (one call) is not what decides.
        for _ in 0..<5 { _ = try registry.admit("mix", caller: "c") }
        fleet.answer.withLock { $0 = .wait(2.5) }
        #expect(throws: ServingError.self) { try registry.admit("mix", caller: "c") }
        #expect(registry.endpoint(named: "mix")?.metrics.counts.rateLimited == 1)
    }

    @Test func cutOffEachReplicaCountsItsShareOfTheLimit() throws {
        let fleet = FakeFleet(size: 3)
        fleet.answer.withLock { $0 = .unavailable }
        let registry = ServingRegistry(factory: FakeFactory(), clock: { 0 })
        registry.join(fleet)
        _ = try registry.create(limited(60))
        var admitted = 0
        for _ in 0..<60 where (try? registry.admit("mix", caller: "c")) != nil { admitted += 1 }
        // 60 a minute across three replicas: 20 here.
        #expect(admitted == 20)
    }

    @Test func aLimitsShareRoundsUpAndNeverReachesZero() {
        let limit = AIGatewayConfig.RateLimit(
            calls: 10, tokens: 1_000, key: .endpoint, principal: nil, renewalPeriodSeconds: 60)
        #expect(limit.share(of: 1) == limit)
        #expect(limit.share(of: 3).calls == 4 && limit.share(of: 3).tokens == 334)
        #expect(limit.share(of: 50).calls == 1)
    }
}
