import ABEngine
import ABProviders
import Foundation
import Synchronization

/// Stamps the moment the first piece of an answer's text arrives in an OpenAI-style SSE stream: the first
/// `"content":"` followed by a character (a first chunk that only names the role has `"content":""`).
final class FirstContentSink: TransferSink {
    private struct State {
        var carry: [UInt8] = []
        var at: UInt64?
    }
    private let state = Mutex(State())
    private static let marker = Array(#""content":""#.utf8)

    var firstContent: UInt64? { state.withLock { $0.at } }

    func receivedHead(status: Int, headers: [String: String]) {}

    func receivedBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        state.withLock { s in
            guard s.at == nil else { return }
            // The marker may straddle two pieces: look at the end of the last one too.
            let window = s.carry + Array(bytes)
            let m = Self.marker
            if window.count > m.count {
                for i in 0..<(window.count - m.count) where window[i] == m[0] {
                    if Array(window[i..<(i + m.count)]) == m, window[i + m.count] != UInt8(ascii: "\"") {
                        s.at = Monotonic.now()
                        return
                    }
                }
            }
            s.carry = Array(window.suffix(m.count))
        }
        return true
    }
}

/// `first-content ROUNDS URL…`: a streamed chat request to each URL in turn, one at a time (one connection
/// each, closed loop), ROUNDS times; prints each URL's time to the first byte of answer text and to the end
/// (p50, p90, p99), and what each adds over the first URL (the mock, direct). The client runs on its transport's
/// own loop, so its cost is small and the same for every URL.
func firstContent(_ args: [String]) async {
    guard args.count >= 2, let rounds = Int(args[0]) else {
        print("usage: Benchmarks first-content ROUNDS URL…")
        return
    }
    let urls = Array(args.dropFirst())
    let body = Array(
        #"{"model":"gpt-4o-mini","max_tokens":16,"stream":true,"messages":[{"role":"user","content":"Summarise the benefits of connection reuse in HTTP clients."}]}"#
            .utf8)
    let headers: [(name: String, value: HTTPRequestSpec.HeaderValue)] = [
        ("Content-Type", .plain("application/json")), ("Authorization", .plain("Bearer sk-bench")),
    ]
    let specs = urls.map { HTTPRequestSpec(url: $0, headers: headers, body: body) }
    let transport = CurlTransport(loops: 1)
    let timeouts = TransportTimeouts(connect: 2, firstByte: 5, total: 10)
    var firsts = Array(repeating: [Double](), count: urls.count)
    var totals = Array(repeating: [Double](), count: urls.count)
    var failures = Array(repeating: 0, count: urls.count)
    await withTaskExecutorPreference(transport.executor) {
        for spec in specs {
            for _ in 0..<50 { _ = await transport.perform(spec, timeouts: timeouts, sink: NullSink()) }
        }
        for round in 0..<rounds {
            for k in 0..<urls.count {
                // Each round starts with another URL, so none is always the one right after an idle moment.
                let side = (round + k) % urls.count
                let sink = FirstContentSink()
                let t = await transport.perform(specs[side], timeouts: timeouts, sink: sink)
                guard t.failure == nil, t.status == 200, let first = sink.firstContent else {
                    failures[side] += 1
                    continue
                }
                firsts[side].append(Double(first - t.start) / 1e6)
                totals[side].append(Double(t.end - t.start) / 1e6)
            }
        }
    }
    transport.shutdown()
    func pct(_ xs: [Double], _ q: Double) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? .nan : s[min(s.count - 1, Int(q * Double(s.count - 1)))]
    }
    func f(_ x: Double) -> String { String(format: "%.3f", x) }
    for (i, url) in urls.enumerated() {
        let added = i == 0 ? "" : ", added p50 \(f(pct(firsts[i], 0.5) - pct(firsts[0], 0.5))) ms"
        print(
            "FIRST url=\(url) n=\(firsts[i].count) failed=\(failures[i]) first_p50=\(f(pct(firsts[i], 0.5))) "
                + "first_p90=\(f(pct(firsts[i], 0.9))) first_p99=\(f(pct(firsts[i], 0.99))) "
                + "end_p50=\(f(pct(totals[i], 0.5)))\(added)")
    }
}
