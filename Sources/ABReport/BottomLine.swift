import ABCore

/// The report's first line, read in ten seconds: who is faster and by how much (as decided, or "not decided"),
/// who is cheaper per request (decided by the cost verdict, or measured), how the error rates compare, and who wins the votes.
extension RunSummary {
    public var bottomLine: String {
        let names = snapshot.entities.map(\.info.name)
        guard names.count >= 2 else { return "one entity: nothing to compare" }
        var parts: [String] = []
        let compare = mode == RunMode.compare.rawValue
        let ofMode = verdicts.filter { !$0.metric.inBothModes && $0.metric.isPaired == compare }
        // A session whose mode has no verdicts of its own (a replay, a short run) speaks from the others.
        let shown = ofMode.isEmpty ? verdicts : ofMode + verdicts.filter(\.metric.inBothModes)
        let latency = shown.filter { $0.metric == .latencyE2EP50 || $0.metric == .latencyE2EPaired }
        if let v = latency.first(where: { $0.state == .decided }), let ratio = v.ratio, ratio > 0 {
            // The ratio is B / A: above 1, A is the faster.
            let (fast, slow, r) = ratio >= 1 ? (v.a, v.b, ratio) : (v.b, v.a, 1 / ratio)
            parts.append("\(fast) is \(Format.fixed(r, r < 10 ? 1 : 0))× faster than \(slow) (p50, decided)")
        } else if latency.contains(where: { $0.state == .equivalent }) {
            parts.append("latency the same within its margin")
        } else if !latency.isEmpty {
            parts.append("latency: not decided yet")
        }
        let perRequest = snapshot.entities.compactMap { e -> (String, Double)? in
            guard let cost = e.costUSD, e.requests > 0, cost > 0 else { return nil }
            return (e.info.name, cost / Double(e.requests))
        }
        let costs = shown.filter { $0.metric == .cost }
        if let v = costs.first(where: { $0.state == .decided }), let a = v.estimateA, let b = v.estimateB,
            min(a, b) > 0
        {
            let (cheap, dear, r) = a <= b ? (v.a, v.b, b / a) : (v.b, v.a, a / b)
            parts.append("\(cheap) is \(Format.fixed(r, r < 10 ? 1 : 0))× cheaper per request than \(dear) (decided)")
        } else if !costs.isEmpty, costs.allSatisfy({ $0.state == .equivalent }) {
            parts.append("cost the same within its margin")
        } else if perRequest.count >= 2, let cheap = perRequest.min(by: { $0.1 < $1.1 }),
            let dear = perRequest.max(by: { $0.1 < $1.1 }), dear.1 > cheap.1 * 1.05
        {
            let r = dear.1 / cheap.1
            parts.append(
                "\(cheap.0) is \(Format.fixed(r, r < 10 ? 1 : 0))× cheaper per request than \(dear.0) "
                    + "(measured, not decided)")
        }
        let errors = shown.filter { $0.metric == .errorRate || $0.metric == .errorRatePaired }
        if let v = errors.first(where: { $0.state == .decided }), let a = v.estimateA, let b = v.estimateB {
            let (fewer, more) = a <= b ? (v.a, v.b) : (v.b, v.a)
            parts.append("\(fewer) has fewer errors than \(more) (decided)")
        } else if !errors.isEmpty, errors.allSatisfy({ $0.state == .equivalent }) {
            parts.append("errors equal within their margin")
        } else if !errors.isEmpty {
            parts.append("errors: not decided yet")
        }
        if let best = winRates.max(by: { $0.rate.estimate < $1.rate.estimate }), best.votes > 0 {
            parts.append(
                "votes: \(names[best.entity]) wins \(Format.percent(best.rate.estimate, digits: 0)) of \(best.votes)")
        }
        return parts.isEmpty ? "nothing decided yet" : parts.joined(separator: "; ")
    }
}
