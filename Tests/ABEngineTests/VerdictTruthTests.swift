import ABCore
import ABEngine
import Foundation
import Testing

/// What the issue measured wrong, shown right: shares counted at the router's pick, and requests cut off by the
/// run kept out of the failures.
@Suite struct VerdictTruthTests {
    /// One arm far slower (its requests do not finish while the test runs): the share and the SRM check count
    /// assignments, so both read the split's weights while the slow arm holds most requests in flight. Counting
    /// finished requests would show the fast arm with nearly all of the traffic, far outside the noise.
    @Test func aMuchSlowerArmShowsNoSRMAndSharesWithinNoise() async throws {
        let h = try ScriptedEngine(weights: [50, 50]) { host, _ in
            ScriptedTransport.Reply(delay: host.hasPrefix("a") ? 0.005 : 600)
        }
        let control = LoadControl()
        let load = Task {
            await LoadGenerator.run(
                engine: h.engine, prompts: SamplePrompts.items, shape: .closed(concurrency: 40),
                limits: LoadLimits(requests: 1_000_000), control: control)
        }
        // Wait on a state, not a clock: the fast arm has finished some, the slow one holds most slots. (Slots only
        // ever fill with slow requests, so this comes however slow the machine.)
        func ready(_ s: Snapshot) -> Bool { s.entities[0].requests >= 20 && s.entities[1].inFlight >= 30 }
        var early = h.session.snapshot()
        for _ in 0..<6_000 where !ready(early) {
            try await Task.sleep(for: .milliseconds(10))
            early = h.session.snapshot()
        }
        let srm = h.session.srm()
        control.stop()
        load.cancel()
        await load.value
        #expect(ready(early), "\(early.entities.map(\.requests)) finished, \(early.entities.map(\.inFlight)) in flight")
        let n = Double(early.entities.map(\.assigned).reduce(0, +))
        let share = try #require(early.entities[0].observedShare)
        // Within 4σ of 50 % (σ = √(n · ¼) / n); a share of finished requests would be near 100 %.
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
