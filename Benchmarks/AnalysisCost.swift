import ABCore
import ABEngine
import Foundation

/// `Benchmarks analysis`: a session fed 1,000,000 finished requests (two entities, streamed, realistic prompt
/// and answer text), read the way the analysis reads it at 10k, 100k and 1M requests: how long the stats lock is
/// held for the copy (the transport threads wait that long at most), how long the analysis of that copy takes
/// (outside the lock), what the next record pays after a copy (copy-on-write of the histograms), and the
/// process's resident memory. Every figure must stay flat as the requests grow.
func analysisCost() {
    let config = EndpointConfigReader.read(
        text: """
            {"name": "bench", "config": {"served_entities": [
              {"name": "a", "external_model": {"name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat",
                "openai_config": {"openai_api_key_plaintext": "sk-bench"}}},
              {"name": "b", "external_model": {"name": "gpt-4o", "provider": "openai", "task": "llm/v1/chat",
                "openai_config": {"openai_api_key_plaintext": "sk-bench"}}}],
             "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 50},
                                           {"served_model_name": "b", "traffic_percentage": 50}]}}}
            """, defaultName: "bench"
    ).config!
    let session = Session(endpoint: config, mode: .split)
    let analysis = SessionAnalysis(session: session)
    var rng = SplitMix64(seed: 11)
    var recorded = 0
    let answer = String(repeating: "Caches keep recent answers close to the reader. ", count: 8)
    func feed(to n: Int) {
        while recorded < n {
            let entity = Int(rng.below(2))
            let e2e = 300_000_000 + UInt64(rng.below(600_000_000)) * UInt64(entity + 1)
            let ttft = 50_000_000 + UInt64(rng.below(100_000_000))
            session.assigned(entity: entity, epoch: 0)
            session.requestStarted(entity: entity)
            let outcome = RequestOutcome(
                entity: entity, epoch: 0,
                timing: RequestTiming(start: 0, firstByte: ttft - 1_000, firstToken: ttft, end: e2e), streamed: true,
                error: rng.below(100) < 3 ? .rateLimited : nil, usage: TokenUsage(input: 40, output: 200),
                costUSD: 0.001)
            session.record(
                RequestRecord(
                    outcome: outcome, promptID: "p\(recorded)", prompt: "Question \(recorded): how do caches work?",
                    output: answer))
            recorded += 1
        }
    }
    let clock = ContinuousClock()
    func micros(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12
    }
    print("analysis: lock held for the copy, analysis outside it, next record after a copy, resident memory")
    for n in [10_000, 100_000, 1_000_000] {
        feed(to: n)
        var copies: [Double] = []
        var analyses: [Double] = []
        var nextRecords: [Double] = []
        for _ in 0..<50 {
            let start = clock.now
            let copy = session.statistics()  // the whole time the lock is held
            copies.append(micros(clock.now - start))
            let analysisStart = clock.now
            analysis.refresh()
            analyses.append(micros(clock.now - analysisStart))
            let recordStart = clock.now
            feed(to: recorded + 1)  // pays the copy-on-write of what `copy` still shares
            nextRecords.append(micros(clock.now - recordStart))
            withExtendedLifetime(copy) {}
        }
        func median(_ x: [Double]) -> String { fixedPoint(x.sorted()[x.count / 2], places: 1) }
        print(
            "  \(n) requests: lock held \(median(copies)) µs, analysis \(median(analyses)) µs, "
                + "next record \(median(nextRecords)) µs, resident \(residentMegabytes()) MB")
    }
}

/// Resident set size from /proc/self/statm, in MB.
func residentMegabytes() -> String {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return "?" }
    let pages = Double(text.split(separator: " ")[1]) ?? 0
    return fixedPoint(pages * 4096 / 1_048_576, places: 1)
}
