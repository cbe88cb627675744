import ABCore
import Testing

@Suite struct VerdictTests {
    @Test func significantLatencyDifferenceNamesTheSlowerEntity() {
        let fast = (0..<200).map { 800.0 + Double($0 % 50) }
        let slow = (0..<190).map { 1050.0 + Double($0 % 50) }
        let v = Verdict.latency(.latencyE2E, a: "gpt-4", fast, b: "claude", slow)
        #expect(v.significant)
        #expect(v.text.hasPrefix("claude is 30% slower at p50 than gpt-4 (p < 0.001, n = 200 / 190)"), "\(v.text)")
        #expect(v.pValue! < 0.001)
    }

    @Test func unclearDifferenceSaysNotYetAndHowManyMore() {
        let a = [100.0, 120, 90, 110, 105, 98, 130, 101]
        let b = [104.0, 125, 92, 111, 109, 99, 128, 108]
        let v = Verdict.latency(.latencyE2E, a: "a", a, b: "b", b)
        #expect(!v.significant)
        #expect(v.text.contains("not yet (p = "), "\(v.text)")
        #expect(v.text.contains("more requests to tell"), "\(v.text)")
    }

    @Test func tooFewSamplesGiveNoPValue() {
        let v = Verdict.latency(.ttft, a: "a", [1, 2], b: "b", [3, 4, 5, 6, 7])
        #expect(v.pValue == nil)
        #expect(v.text.contains("too few"))
    }

    @Test func errorRateVerdict() {
        let v = Verdict.errorRate(a: "a", errorsA: 3, requestsA: 248, b: "b", errorsB: 41, requestsB: 240)
        #expect(v.significant)
        #expect(v.text.hasPrefix("b fails more often than a: 17.1% vs 1.2% (p < 0.001"), "\(v.text)")
        let none = Verdict.errorRate(a: "a", errorsA: 0, requestsA: 50, b: "b", errorsB: 0, requestsB: 50)
        #expect(none.text.contains("no errors on either side"))
    }

    @Test func pValueFormatting() {
        #expect(Verdict.formatP(0.0004) == "p < 0.001")
        #expect(Verdict.formatP(0.0042) == "p = 0.004")
        #expect(Verdict.formatP(0.2149) == "p = 0.21")
        #expect(Verdict.formatP(0.5) == "p = 0.50")
    }
}
