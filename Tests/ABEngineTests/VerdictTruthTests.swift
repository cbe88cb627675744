import ABCore
import ABEngine
import Foundation
import Testing

/// What the issue measured wrong, shown right: shares counted at the router's pick, and requests cut off by the
/// run kept out of the failures.
@Suite struct VerdictTruthTests {
    /// One arm 5× slower: its requests finish later, but the share and the SRM check count assignments, so both
    /// read the split's weights from the first second.
    @Test func aFiveTimesSlowerArmShowsNoSRMAndSharesWithinNoise() async throws {
        let h = try ScriptedEngine(weights: [50, 50]) { host, _ in
            ScriptedTransport.Reply(delay: host.hasPrefix("a") ? 0.05 : 0.25)
        }
        let control = LoadControl()
        let load = Task {
            await LoadGenerator.run(
                engine: h.engine, prompts: SamplePrompts.items, shape: .closed(concurrency: 40),
                limits: LoadLimits(requests: 1_000_000), control: control)
        }
        // The slow arm comes to hold most requests in flight (~5 in 6 of the slots once a few hundred prompts were
        // picked, when the machine is free; later when it is busy, since a stalled process finishes fast and slow
        // requests alike), so counting finished requests would show it too small a share. Wait on that state, not
        // on a clock, then check that the assignments are not skewed.
        func skewed(_ s: Snapshot) -> Bool {
            s.entities.reduce(0, { $0 + $1.assigned }) >= 300 && s.entities[1].inFlight >= 2 * s.entities[0].inFlight
        }
        var early = h.session.snapshot()
        var srm = h.session.srm()
        for _ in 0..<6_000 where !skewed(early) {
            try await Task.sleep(for: .milliseconds(10))
            early = h.session.snapshot()
            srm = h.session.srm()
        }
        control.stop()
        load.cancel()
        await load.value
        let assigned = early.entities.map(\.assigned)
        let n = Double(assigned.reduce(0, +))
        #expect(skewed(early), "in flight \(early.entities.map(\.inFlight)) after \(n) assignments")
        let share = try #require(early.entities[0].observedShare)
        // Within 4σ of 50 % (σ = √(n · ¼) / n).
        #expect(abs(share - 0.5) <= 4 * (0.25 / n).squareRoot(), "share \(share) of \(n) assignments")
        #expect(srm.count == 1 && !srm[0].flagged, "\(srm)")
    }

    /// Quitting with requests in flight: they are counted as cancelled, not as errors, and no verdict says one
    /// side fails more often.
    @Test func quittingWithRequestsInFlightShowsNoFailuresThatDidNotHappen() async throws {
        let h = try ScriptedEngine(weights: [50, 50]) { host, _ in
            ScriptedTransport.Reply(delay: host.hasPrefix("a") ? 0.005 : 600)
        }
        let load = Task {
            await LoadGenerator.run(
                engine: h.engine, prompts: SamplePrompts.items, shape: .open(rate: 200),
                limits: LoadLimits(requests: 100_000))
        }
        func ready() -> Bool {
            let s = h.session.snapshot()
            return s.entities[0].requests >= 20 && s.entities[1].inFlight >= 5
        }
        for _ in 0..<3_000 where !ready() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(ready())
        load.cancel()  // what `q` does: the load stops, what is in flight is cut off
        await load.value
        let snapshot = h.session.snapshot()
        let (a, b) = (snapshot.entities[0], snapshot.entities[1])
        #expect(b.cancelled > 0, "the slow arm's requests were in flight")
        #expect(a.errorCount == 0 && b.errorCount == 0, "\(a.errors) \(b.errors)")
        #expect(b.requests == 0 && b.inFlight == 0)
        let settings = h.session.analysisSettings
        let verdicts = h.session.statistics().verdicts(settings: settings)
        let errors = try #require(verdicts.first { $0.metric == .errorRate })
        #expect(errors.state != .decided && !errors.text.contains("fails more often"), "\(errors.text)")
        #expect(errors.nB == 0, "cancelled requests are not in the error rate's n")
    }
}
