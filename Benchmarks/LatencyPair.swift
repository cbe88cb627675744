import ABEngine
import ABProviders
import Foundation

/// Discards a response: the benchmark only times it.
final class NullSink: TransferSink {
    func receivedHead(status: Int, headers: [String: String]) {}
    func receivedBody(_ bytes: UnsafeRawBufferPointer) -> Bool { true }
}

/// `latency-pair DIRECT_URL SERVED_URL RATE SECONDS [stream]`: the same chat request to a mock directly and through
/// `abtop serve` in front of that mock, alternating, each at RATE requests a second (open loop), from one
/// libcurl client, so the client's own cost is the same on both sides. Prints each side's latency
/// percentiles and what `abtop serve` adds; with `stream`, SSE answers, timed to the first byte and to the end.
func latencyPair(_ args: [String]) async {
    guard args.count == 4 || (args.count == 5 && args[4] == "stream"), let rate = Double(args[2]),
        let seconds = Double(args[3])
    else {
        print("usage: Benchmarks latency-pair DIRECT_URL SERVED_URL RATE SECONDS [stream]")
        return
    }
    let stream = args.count == 5
    let body = Array(
        #"{"model":"gpt-4o-mini","max_tokens":16,"stream":\#(stream),"messages":[{"role":"user","content":"Summarise the benefits of connection reuse in HTTP clients."}]}"#
            .utf8)
    let headers: [(name: String, value: HTTPRequestSpec.HeaderValue)] = [
        ("Content-Type", .plain("application/json")), ("Authorization", .plain("Bearer sk-bench")),
    ]
    let specs = [
        HTTPRequestSpec(url: args[0], headers: headers, body: body),
        HTTPRequestSpec(url: args[1], headers: headers, body: body),
    ]
    let transport = CurlTransport()
    let timeouts = TransportTimeouts(connect: 2, firstByte: 5, total: 10)
    // Warm both sides' connections.
    for spec in specs { for _ in 0..<50 { _ = await transport.perform(spec, timeouts: timeouts, sink: NullSink()) } }

    let total = Int(rate * seconds) * 2
    let interval = 1.0 / (rate * 2)
    let clock = ContinuousClock()
    let origin = clock.now
    var latencies: [[Double]] = [[], []]
    var firstBytes: [[Double]] = [[], []]
    var failures = [0, 0]
    await withTaskGroup(of: (Int, (total: Double, firstByte: Double)?).self) { group in
        for i in 0..<total {
            let due = origin + .nanoseconds(Int64(Double(i) * interval * 1e9))
            if due > clock.now + .microseconds(500) { try? await Task.sleep(until: due, clock: clock) }
            let side = i % 2
            group.addTask {
                let t = await transport.perform(specs[side], timeouts: timeouts, sink: NullSink())
                guard t.failure == nil, t.status == 200, let first = t.firstByte else { return (side, nil) }
                return (side, (Double(t.end - t.start) / 1e6, Double(first - t.start) / 1e6))
            }
        }
        for await (side, ms) in group {
            if let ms {
                latencies[side].append(ms.total)
                firstBytes[side].append(ms.firstByte)
            } else {
                failures[side] += 1
            }
        }
    }
    transport.shutdown()
    let elapsed = clock.now - origin
    func pct(_ xs: [Double], _ q: Double) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? .nan : s[min(s.count - 1, Int(q * Double(s.count - 1)))]
    }
    func f(_ x: Double) -> String { String(format: "%.3f", x) }
    print(
        "sent \(total) requests in \(f(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)) s, \(Int(rate))/s to each side"
    )
    for (side, name) in ["direct to the mock", "through abtop serve"].enumerated() {
        let xs = latencies[side]
        let mean = xs.reduce(0, +) / Double(max(1, xs.count))
        print(
            "\(name): n \(xs.count), failed \(failures[side]), p50 \(f(pct(xs, 0.5))) ms, p90 \(f(pct(xs, 0.9))) ms, p99 \(f(pct(xs, 0.99))) ms, mean \(f(mean)) ms"
        )
    }
    let added50 = pct(latencies[1], 0.5) - pct(latencies[0], 0.5)
    let addedMean =
        latencies[1].reduce(0, +) / Double(max(1, latencies[1].count))
        - latencies[0].reduce(0, +) / Double(max(1, latencies[0].count))
    print(
        "added by abtop serve: p50 \(f(added50)) ms, mean \(f(addedMean)) ms, p99 \(f(pct(latencies[1], 0.99) - pct(latencies[0], 0.99))) ms"
    )
    if stream {
        print(
            "first byte: direct p50 \(f(pct(firstBytes[0], 0.5))) ms, through abtop serve p50 \(f(pct(firstBytes[1], 0.5))) ms, added \(f(pct(firstBytes[1], 0.5) - pct(firstBytes[0], 0.5))) ms"
        )
    }
}
