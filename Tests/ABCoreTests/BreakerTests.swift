import ABCore
import Testing

@Suite struct BreakerTests {
    @Test func opensAfterConsecutiveFailuresThenProbes() {
        var b = Breaker(policy: .init(failures: 3, cooldown: 10))
        #expect(b.record(success: false, at: 1) == nil)
        #expect(b.record(success: true, at: 2) == nil, "a success resets the count")
        #expect(b.record(success: false, at: 3) == nil)
        #expect(b.record(success: false, at: 4) == nil)
        #expect(b.record(success: false, at: 5) == .opened(until: 15))
        #expect(!b.isAvailable(at: 14.9))
        #expect(b.admit(at: 14.9) == .reject(until: 15))
        #expect(b.record(success: false, at: 6) == nil, "late failures do not extend the cooldown")
        #expect(b.isAvailable(at: 15))
        #expect(b.admit(at: 15) == .probe)
        #expect(!b.isAvailable(at: 15), "one probe at a time")
        #expect(b.admit(at: 15.1) == .reject(until: nil))
        #expect(b.record(success: true, at: 15.2) == nil, "only the probe's result decides")
        #expect(b.record(success: true, isProbe: true, at: 16) == .closed)
        #expect(b.admit(at: 16) == .allow)
    }

    @Test func failedProbeReopens() {
        var b = Breaker(policy: .init(failures: 1, cooldown: 5))
        #expect(b.record(success: false, at: 0) == .opened(until: 5))
        #expect(b.admit(at: 5) == .probe)
        #expect(b.record(success: false, isProbe: true, at: 6) == .reopened(until: 11))
        #expect(b.state == .open(until: 11))
    }

    @Test func zeroFailuresTurnsItOff() {
        var b = Breaker(policy: .init(failures: 0, cooldown: 5))
        for t in 0..<100 { #expect(b.record(success: false, at: Double(t)) == nil) }
        #expect(b.admit(at: 100) == .allow)
    }

    /// Issue 28: another replica's breaker cools this one down; only ever longer, and a probe under way is left be.
    @Test func theFleetsCooldownOpensAClosedBreakerAndOnlyEverLengthensOne() {
        var b = Breaker(policy: .init(failures: 3, cooldown: 10))
        var changed = b.coolDown(until: 40, at: 10)
        #expect(changed)
        #expect(b.state == .open(until: 40))
        changed = b.coolDown(until: 30, at: 11)
        #expect(!changed)
        #expect(b.state == .open(until: 40))
        var admission = b.admit(at: 39)
        #expect(admission == .reject(until: 40))
        admission = b.admit(at: 40)
        #expect(admission == .probe)
        changed = b.coolDown(until: 90, at: 40)
        #expect(!changed)
        #expect(b.state == .halfOpen(probeInFlight: true))
        let transition = b.record(success: true, isProbe: true, at: 41)
        #expect(transition == .closed)
        changed = b.coolDown(until: 41, at: 41)
        #expect(!changed)
        var off = Breaker(policy: .init(failures: 0, cooldown: 5))
        changed = off.coolDown(until: 100, at: 0)
        #expect(!changed)
        admission = off.admit(at: 1)
        #expect(admission == .allow)
    }
}
