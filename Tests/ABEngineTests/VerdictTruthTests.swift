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
                limits: LoadLimits(requests: 4_000), control: control)
        }
        // Wait (on a condition, not a clock) until a few hundred prompts were picked: the first seconds.
        for _ in 0..<3_000 where h.session.snapshot().entities.reduce(0, { $0 + $1.assigned }) < 300 {
            try await Task.sleep(for: .milliseconds(10))
        }
        let early = h.session.snapshot()
        let srm = h.session.srm()
        control.stop()
        load.cancel()
        await load.value
        let assigned = early.entities.map(\.assigned)
        let n = Double(assigned.reduce(0, +))
        #expect(n >= 300)
        let share = try #require(early.entities[0].observedShare)
        // Within 4σ of 50 % (σ = √(n · ¼) / n).
        #expect(abs(share - 0.5) <= 4 * (0.25 / n).squareRoot(), "share \(share) of \(n) assignments")
        // The slow arm holds most requests in flight (~5 in 6 of the slots, from the first second on, however late
        // the snapshot is taken), so counting finished requests would have shown it too small a share for a while:
        // the assignments are not skewed.
        let inFlight = early.entities.map(\.inFlight)
        #expect(inFlight[1] > inFlight[0], "in flight \(inFlight)")
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
