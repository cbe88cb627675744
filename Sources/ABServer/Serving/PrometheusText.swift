import ABCore
import Foundation

/// `GET /metrics` in the Prometheus text exposition format (version 0.0.4): one family at a time, each with its
/// HELP and TYPE lines, labelled by endpoint and served entity.
public enum PrometheusText {
    /// What one endpoint contributes.
    public struct Endpoint: Sendable {
        public var name: String
        public var entityNames: [String]
        public var weights: [Int]
        public var counts: EndpointMetrics.Counts
        /// The endpoint's verdicts and SRM checks as its analysis last computed them (anytime-valid: a scrape
        /// at any moment reads a valid state).
        public var verdicts: [Verdict]
        public var srm: [SRMResult]

        public init(
            name: String, entityNames: [String], weights: [Int], counts: EndpointMetrics.Counts,
            verdicts: [Verdict] = [], srm: [SRMResult] = []
        ) {
            self.name = name
            self.entityNames = entityNames
            self.weights = weights
            self.counts = counts
            self.verdicts = verdicts
            self.srm = srm
        }
    }

    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ endpoints: [Endpoint]) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ lines: (inout String) -> Void) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            lines(&out)
        }
        func each(_ body: (Endpoint, Int, String) -> Void) {
            for endpoint in endpoints {
                for (i, entity) in endpoint.entityNames.enumerated() {
                    body(endpoint, i, labels(["endpoint": endpoint.name, "entity": entity]))
                }
            }
        }
        family("abtop_endpoints", "gauge", "Serving endpoints that exist.") {
            $0 += "abtop_endpoints \(endpoints.count)\n"
        }
        family("abtop_traffic_weight_percent", "gauge", "Current target share of traffic per served entity.") { o in
            each { e, i, l in o += "abtop_traffic_weight_percent\(l) \(e.weights[i])\n" }
        }
        family(
            "abtop_requests_total", "counter",
            "Finished requests per served entity and outcome (success or an error kind), fallbacks included."
        ) { o in
            each { e, i, _ in
                let c = e.counts.entities[i]
                let successLabels = labels(["endpoint": e.name, "entity": e.entityNames[i], "outcome": "success"])
                o += "abtop_requests_total\(successLabels) \(c.successes)\n"
                for (kind, n) in c.errors.sorted(by: { $0.key < $1.key }) {
                    let kindLabels = labels(["endpoint": e.name, "entity": e.entityNames[i], "outcome": kind.rawValue])
                    o += "abtop_requests_total\(kindLabels) \(n)\n"
                }
            }
        }
        family("abtop_request_errors_total", "counter", "Failed requests per served entity and error kind.") { o in
            each { e, i, _ in
                for kind in ErrorKind.allCases {
                    let n = e.counts.entities[i].errors[kind] ?? 0
                    let kindLabels = labels(["endpoint": e.name, "entity": e.entityNames[i], "kind": kind.rawValue])
                    o += "abtop_request_errors_total\(kindLabels) \(n)\n"
                }
            }
        }
        family("abtop_retries_total", "counter", "Retries after a failed attempt.") { o in
            each { e, i, l in o += "abtop_retries_total\(l) \(e.counts.entities[i].retries)\n" }
        }
        family("abtop_fallbacks_total", "counter", "Requests this entity took over after another failed.") { o in
            each { e, i, l in o += "abtop_fallbacks_total\(l) \(e.counts.entities[i].fallbacks)\n" }
        }
        family("abtop_rate_limited_total", "counter", "Requests refused by the endpoint's own rate limits.") { o in
            for e in endpoints {
                o += "abtop_rate_limited_total\(labels(["endpoint": e.name])) \(e.counts.rateLimited)\n"
            }
        }
        family("abtop_tokens_total", "counter", "Tokens per served entity and direction.") { o in
            each { e, i, _ in
                let c = e.counts.entities[i]
                for (direction, n) in [("input", c.inputTokens), ("output", c.outputTokens)] {
                    let directionLabels = labels([
                        "endpoint": e.name, "entity": e.entityNames[i], "direction": direction,
                    ])
                    o += "abtop_tokens_total\(directionLabels) \(n)\n"
                }
            }
        }
        family("abtop_cost_usd_total", "counter", "Cost in US dollars by the price table.") { o in
            each { e, i, l in o += "abtop_cost_usd_total\(l) \(number(e.counts.entities[i].costUSD))\n" }
        }
        family(
            "abtop_feedback_total", "counter", "Clients' feedback (POST /feedback) per served entity and metric."
        ) { o in
            each { e, i, _ in
                for (metric, f) in e.counts.entities[i].feedback.sorted(by: { $0.key < $1.key }) {
                    let l = labels(["endpoint": e.name, "entity": e.entityNames[i], "metric": metric])
                    o += "abtop_feedback_total\(l) \(f.count)\n"
                }
            }
        }
        family(
            "abtop_feedback_value_sum", "gauge",
            "Sum of the feedback values per served entity and metric (true counts 1): divide by the total for the mean."
        ) { o in
            each { e, i, _ in
                for (metric, f) in e.counts.entities[i].feedback.sorted(by: { $0.key < $1.key }) {
                    let l = labels(["endpoint": e.name, "entity": e.entityNames[i], "metric": metric])
                    o += "abtop_feedback_value_sum\(l) \(number(f.sum))\n"
                }
            }
        }
        family(
            "abtop_judge_verdicts_total", "counter",
            "The LLM judge's verdicts (both orders; a flip is a tie) per served entity: won, tied, lost."
        ) { o in
            each { e, i, _ in
                let j = e.counts.entities[i].judged
                guard j.won + j.tied + j.lost > 0 else { return }
                for (outcome, n) in [("won", j.won), ("tied", j.tied), ("lost", j.lost)] {
                    let l = labels(["endpoint": e.name, "entity": e.entityNames[i], "outcome": outcome])
                    o += "abtop_judge_verdicts_total\(l) \(n)\n"
                }
            }
        }
        family(
            "abtop_judge_pairs_total", "counter",
            "Pairs of answers for the LLM judge, by outcome: judged, or why not (format, request, answer, backlog, ended)."
        ) { o in
            for e in endpoints {
                for (outcome, n) in e.counts.judgements.sorted(by: { $0.key < $1.key }) {
                    o += "abtop_judge_pairs_total\(labels(["endpoint": e.name, "outcome": outcome])) \(n)\n"
                }
            }
        }
        family("abtop_judge_tokens_total", "counter", "The LLM judge's tokens, apart from the arms'.") { o in
            for e in endpoints where !e.counts.judgements.isEmpty {
                for (direction, n) in [("input", e.counts.judgeTokens.input), ("output", e.counts.judgeTokens.output)] {
                    o += "abtop_judge_tokens_total\(labels(["endpoint": e.name, "direction": direction])) \(n)\n"
                }
            }
        }
        family("abtop_judge_cost_usd_total", "counter", "The LLM judge's cost in US dollars, apart from the arms'.") {
            o in
            for e in endpoints where !e.counts.judgements.isEmpty {
                o += "abtop_judge_cost_usd_total\(labels(["endpoint": e.name])) \(number(e.counts.judgeCostUSD))\n"
            }
        }
        family(
            "abtop_rollout_percentage", "gauge",
            "A guarded rollout's candidate share of its pair's traffic (0 once rolled back or aborted)."
        ) { o in
            for e in endpoints {
                guard let r = e.counts.rollout else { continue }
                let l = labels(["endpoint": e.name, "candidate": r.plan.candidate, "baseline": r.plan.baseline])
                o += "abtop_rollout_percentage\(l) \(r.percentage)\n"
            }
        }
        family("abtop_rollout_phase", "gauge", "A guarded rollout's phase: 1 for the phase it is in.") { o in
            for e in endpoints {
                guard let r = e.counts.rollout else { continue }
                for phase in ["ramping", "paused", "rolled_back", "completed", "aborted"] {
                    let l = labels(["endpoint": e.name, "phase": phase])
                    o += "abtop_rollout_phase\(l) \(r.phase.rawValue == phase ? 1 : 0)\n"
                }
            }
        }
        family("abtop_rollout_moves_total", "counter", "A guarded rollout's moves, by kind.") { o in
            for e in endpoints {
                guard let r = e.counts.rollout else { continue }
                for (kind, n) in Dictionary(grouping: r.moves, by: \.kind.rawValue).sorted(by: { $0.key < $1.key }) {
                    o += "abtop_rollout_moves_total\(labels(["endpoint": e.name, "kind": kind])) \(n.count)\n"
                }
            }
        }
        family("abtop_request_duration_seconds", "histogram", "End-to-end latency (E2E) of finished requests.") { o in
            each { e, i, _ in
                histogram(
                    &o, "abtop_request_duration_seconds", e.counts.entities[i].latency,
                    ["endpoint": e.name, "entity": e.entityNames[i]])
            }
        }
        family("abtop_time_to_first_token_seconds", "histogram", "Time to first token (TTFT) of streamed successes.") {
            o in
            each { e, i, _ in
                histogram(
                    &o, "abtop_time_to_first_token_seconds", e.counts.entities[i].ttft,
                    ["endpoint": e.name, "entity": e.entityNames[i]])
            }
        }
        family(
            "abtop_verdict", "gauge",
            "1 for the state each comparison (entity b against a, per metric) is in: decided, not_yet or equivalent."
        ) { o in
            for e in endpoints {
                for v in e.verdicts {
                    for state in Verdict.State.allCases {
                        let l = labels([
                            "endpoint": e.name, "metric": v.metric.rawValue, "a": v.a, "b": v.b,
                            "state": state.rawValue,
                        ])
                        o += "abtop_verdict\(l) \(v.state == state ? 1 : 0)\n"
                    }
                }
            }
        }
        family(
            "abtop_verdict_p_value", "gauge",
            "Always-valid p-value of each comparison, adjusted for the endpoint's family of comparisons."
        ) { o in
            for e in endpoints {
                for v in e.verdicts {
                    guard let p = v.pValue else { continue }
                    let l = labels(["endpoint": e.name, "metric": v.metric.rawValue, "a": v.a, "b": v.b])
                    o += "abtop_verdict_p_value\(l) \(number(p))\n"
                }
            }
        }
        family(
            "abtop_srm_p_value", "gauge", "Sequential sample-ratio-mismatch p-value per split epoch (router picks)."
        ) { o in
            for e in endpoints {
                for r in e.srm {
                    guard let p = r.pValue else { continue }
                    o += "abtop_srm_p_value\(labels(["endpoint": e.name, "epoch": String(r.epoch)])) \(number(p))\n"
                }
            }
        }
        return out
    }

    private static func histogram(
        _ o: inout String, _ name: String, _ h: EndpointMetrics.Histogram,
        _ base: KeyValuePairs<String, String>
    ) {
        var cumulative: UInt64 = 0
        for (i, bound) in EndpointMetrics.bounds.enumerated() {
            cumulative += h.counts[i]
            o += "\(name)_bucket\(labels(base, le: number(bound))) \(cumulative)\n"
        }
        o += "\(name)_bucket\(labels(base, le: "+Inf")) \(h.count)\n"
        o += "\(name)_sum\(labels(base)) \(number(h.sum))\n"
        o += "\(name)_count\(labels(base)) \(h.count)\n"
    }

    static func labels(_ pairs: KeyValuePairs<String, String>, le: String? = nil) -> String {
        var parts = pairs.map { "\($0.key)=\"\(escape($0.value))\"" }
        if let le { parts.append("le=\"\(le)\"") }
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// Label values escape backslash, double quote and line feed.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Shortest text that reads back as the same double (`0.005`, `1`, `2.5`).
    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        return "\(x)"
    }
}
