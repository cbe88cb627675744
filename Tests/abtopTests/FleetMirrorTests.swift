import ABCore
import ABEngine
import Foundation
import Testing

@testable import abtop

/// Issue 28: the fleet's view (`abtop watch --fleet`) is one session over every replica's traffic. Two simulated
/// replicas' sessions publish their batches (through JSON, as Redis carries them) into a `FleetMirror`; a
/// reference session is handed the same events in the same order directly. The mirror must match it exactly:
/// counts, requests in flight, epochs and every verdict's interval, so tickets (issue order), epochs and times were
/// carried over right. A replica that goes silent has its requests in flight closed.
@Suite struct FleetMirrorTests {
    static func config() throws -> EndpointConfig {
        let text = """
            {"name": "chat", "config": {"served_entities": [
              {"name": "a", "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat",
                "openai_config": {"openai_api_key": "{{secrets/s/k}}"}}},
              {"name": "b", "external_model": {"name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat",
                "openai_config": {"openai_api_key": "{{secrets/s/k}}"}}}],
              "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 80},
                                            {"served_model_name": "b", "traffic_percentage": 20}]}}}
            """
        return try #require(EndpointConfigReader.read(try JSONParser.parse(text), defaultName: "chat").config)
    }

    /// A session's split moved to `weights` (what the engine's `setWeights` does to it).
    static func move(_ session: Session, to weights: Weights) {
        let next = session.snapshot().epoch.index + 1
        session.reweight { now in SplitEpoch(index: next, weights: weights, startedAt: now) }
    }

    struct Open {
        var replica: Int
        var entity: Int
        var ticket: Int
        var referenceTicket: Int
        var epoch: Int
        var referenceEpoch: Int
        var start: Double
        var latency: Double
    }

    @Test func theMirrorIsTheSessionOfAllTheFleetsEvents() throws {
        let config = try Self.config()
        let sinks = ["r1", "r2"].map { FleetStatsSink(endpoint: "chat", replica: $0) }
        let replicas = sinks.map { Session(endpoint: config, mode: .split, observers: [$0]) }
        for (sink, session) in zip(sinks, replicas) { sink.attach(origin: session.origin, weights: config.weights) }
        let reference = Session(endpoint: config, mode: .split)
        let view = Session(endpoint: config, mode: .split)
        let mirror = FleetMirror(
            session: view, setWeights: { Self.move(view, to: $0) }, epochNow: { view.snapshot().epoch })

        var rng = SplitMix64(seed: 28)
        var open: [Open] = []
        // Each replica's epoch; the reference counts each start to the epoch its replica was in, as the fleet does.
        var epochs = [0, 0]
        for round in 0..<60 {
            // The split moves to 50/50 on r1 at round 30, on r2 a round later: one fleet epoch.
            if round == 30 || round == 31 {
                let r = round - 30
                Self.move(replicas[r], to: Weights([50, 50])!)
                epochs[r] = 1
                if round == 30 { Self.move(reference, to: Weights([50, 50])!) }
            }
            for r in 0..<2 {
                // Started: 20 a round on each replica, b twice as slow and failing more.
                let referenceEpoch = epochs[r]
                for _ in 0..<20 {
                    let share = epochs[r] == 0 ? 0.8 : 0.5
                    let entity = Double.random(in: 0..<1, using: &rng) < share ? 0 : 1
                    let ticket = try #require(replicas[r].requestStarted(entity: entity, epoch: epochs[r]))
                    replicas[r].assigned(entity: entity, epoch: epochs[r])
                    let referenceTicket = try #require(reference.requestStarted(entity: entity, epoch: referenceEpoch))
                    reference.assigned(entity: entity, epoch: referenceEpoch)
                    let latency = (entity == 0 ? 0.2 : 0.4) * (0.5 + Double.random(in: 0..<1, using: &rng))
                    open.append(
                        Open(
                            replica: r, entity: entity, ticket: ticket, referenceTicket: referenceTicket,
                            epoch: epochs[r], referenceEpoch: referenceEpoch, start: Double(round),
                            latency: latency))
                }
                // Finished: this replica's requests that started two rounds ago or more (some stay in flight).
                let done = open.filter { $0.replica == r && $0.start <= Double(round - 2) }
                open.removeAll { $0.replica == r && $0.start <= Double(round - 2) }
                for o in done {
                    let failed = Double.random(in: 0..<1, using: &rng) < (o.entity == 0 ? 0.02 : 0.06)
                    replicas[r].record(
                        Self.record(o, on: replicas[r], ticket: o.ticket, epoch: o.epoch, failed: failed))
                    reference.record(
                        Self.record(
                            o, on: reference, ticket: o.referenceTicket, epoch: o.referenceEpoch, failed: failed))
                }
                // The replica's second, through JSON, into the fleet's view.
                let (batch, origin) = try #require(sinks[r].take(now: Double(round), keepAlive: 5))
                let decoded = try #require(FleetBatch.decode(batch.json(originStamp: origin), entities: 2))
                #expect(decoded.leftOut == 0)
                mirror.apply(decoded.batch)
            }
        }

        // The judge's verdicts and clients' feedback travel too (r2's judge preferred b in both orders).
        var j = Judgement(group: nil, requestID: "p1", promptID: "p1", first: 0, second: 1)
        (j.inOrder, j.swapped) = (.b, .a)
        replicas[1].judged(j)
        _ = replicas[0].feedback(
            Feedback(requestID: "p2", entity: 1, metric: "thumbs", value: 1, isBoolean: true, comment: nil))
        for r in 0..<2 {
            let (batch, origin) = try #require(sinks[r].take(now: 100, keepAlive: 5))
            mirror.apply(try #require(FleetBatch.decode(batch.json(originStamp: origin), entities: 2)).batch)
        }
        #expect(view.judgements == [j])
        #expect(view.feedbackTally.metrics.map(\.name) == ["thumbs"])

        let (got, want) = (view.snapshot(), reference.snapshot())
        #expect(got.entities.map(\.requests) == want.entities.map(\.requests))
        #expect(got.entities.map(\.inFlight) == want.entities.map(\.inFlight))
        #expect(got.entities.map(\.inFlight).reduce(0, +) == open.count)
        #expect(got.entities.map(\.errorCount) == want.entities.map(\.errorCount))
        #expect(got.epochs.map(\.epoch.weights) == [Weights([80, 20])!, Weights([50, 50])!])
        #expect(got.epochs.map(\.assigned) == want.epochs.map(\.assigned))
        let (gotVerdicts, wantVerdicts) = (
            SessionAnalysis(session: view).refresh().verdicts, SessionAnalysis(session: reference).refresh().verdicts
        )
        #expect(!wantVerdicts.isEmpty)
        for (g, w) in zip(gotVerdicts, wantVerdicts) {
            #expect(g.metric == w.metric && g.state == w.state && g.nA == w.nA && g.nB == w.nB, "\(g.metric)")
            #expect(
                Self.close(g.low, w.low) && Self.close(g.high, w.high) && Self.close(g.pValue, w.pValue), "\(g.metric)")
        }
        // b is twice as slow: the fleet's view says so, as the reference does.
        let p50 = try #require(gotVerdicts.first { $0.metric == .latencyE2EP50 })
        #expect(p50.state == .decided)

        // r2 goes silent (killed): after 15 s its requests in flight are closed, r1's stay open.
        let r2Open = open.filter { $0.replica == 1 }.count
        let now = Date().timeIntervalSince1970
        let r1 = try #require(sinks[0].take(now: 1_000, keepAlive: 0))
        mirror.apply(try #require(FleetBatch.decode(r1.0.json(originStamp: r1.1), entities: 2)).batch, now: now + 20)
        mirror.expire(now: now + 20)
        #expect(mirror.closedInFlight == r2Open)
        #expect(view.snapshot().inFlight == open.count - r2Open)
        #expect(mirror.liveReplicas(now: now + 20) == ["r1"])
    }

    /// A split moved away and back (by a person, on one replica) is three fleet epochs, while a replica still on
    /// the first split when the others moved counts to the first.
    @Test func epochsFollowWhenEachReplicaMoved() throws {
        let config = try Self.config()
        let sinks = ["r1", "r2"].map { FleetStatsSink(endpoint: "chat", replica: $0) }
        let replicas = sinks.map { Session(endpoint: config, mode: .split, observers: [$0]) }
        for (sink, session) in zip(sinks, replicas) { sink.attach(origin: session.origin, weights: config.weights) }
        let view = Session(endpoint: config, mode: .split)
        let mirror = FleetMirror(
            session: view, setWeights: { Self.move(view, to: $0) }, epochNow: { view.snapshot().epoch })
        func send(_ r: Int, _ n: Int) throws {
            let epoch = replicas[r].snapshot().epoch.index
            for _ in 0..<n {
                let ticket = try #require(replicas[r].requestStarted(entity: 0, epoch: epoch))
                replicas[r].assigned(entity: 0, epoch: epoch)
                _ = ticket
            }
        }
        func flush(_ r: Int) throws {
            let (batch, origin) = try #require(sinks[r].take(now: 0, keepAlive: 0))
            mirror.apply(try #require(FleetBatch.decode(batch.json(originStamp: origin), entities: 2)).batch)
        }
        try send(1, 3)  // r2 under 80/20 from the start
        try send(0, 5)
        Self.move(replicas[0], to: Weights([50, 50])!)
        Thread.sleep(forTimeInterval: 0.01)
        try send(0, 7)
        Self.move(replicas[0], to: Weights([80, 20])!)
        Thread.sleep(forTimeInterval: 0.01)
        try send(0, 11)
        try flush(0)
        // r2's batch comes after r1's: its requests began under the first split, and count to the first epoch.
        try flush(1)
        let epochs = view.snapshot().epochs
        #expect(epochs.map(\.epoch.weights) == [Weights([80, 20])!, Weights([50, 50])!, Weights([80, 20])!])
        #expect(epochs.map { $0.assigned[0] } == [5 + 3, 7, 11])
    }

    static func record(_ o: Open, on session: Session, ticket: Int, epoch: Int, failed: Bool) -> RequestRecord {
        let start = session.origin &+ UInt64(o.start * 1e9)
        var outcome = RequestOutcome(
            entity: o.entity, epoch: epoch,
            timing: RequestTiming(start: start, end: start &+ UInt64(o.latency * 1e9)), streamed: false,
            status: failed ? 500 : 200, error: failed ? .http5xx : nil, usage: TokenUsage(input: 5, output: 7))
        outcome.issue = ticket
        return RequestRecord(outcome: outcome, promptID: "p\(ticket)", prompt: "")
    }

    static func close(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let x?, let y?): abs(x - y) <= 1e-9 * max(1, abs(x), abs(y))
        default: false
        }
    }
}
