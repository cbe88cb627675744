import ABCore
import Synchronization

/// Counters and latency histograms of one endpoint's requests, per served entity, for `GET /metrics`.
///
/// Subscribed to the session's events, so it counts exactly the records the stats and the journal count.
/// Prometheus histograms need cumulative counts at fixed bounds, which the stats' HdrHistograms cannot give
/// without a scan; fixed buckets cost one comparison walk per request.
public final class EndpointMetrics: SessionObserver, Sendable {
    /// Upper bounds in seconds, as Prometheus client libraries default them, stretched to LLM latencies.
    public static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

    public struct Histogram: Sendable, Equatable {
        /// Per bound, the observations at or below it (not yet cumulative); the last slot is +Inf.
        public var counts = [UInt64](repeating: 0, count: EndpointMetrics.bounds.count + 1)
        public var sum = 0.0
        public var count: UInt64 = 0

        mutating func observe(_ seconds: Double) {
            let slot = EndpointMetrics.bounds.firstIndex { seconds <= $0 } ?? EndpointMetrics.bounds.count
            counts[slot] += 1
            sum += seconds
            count += 1
        }
    }

    public struct Entity: Sendable, Equatable {
        public var successes: UInt64 = 0
        public var errors: [ErrorKind: UInt64] = [:]
        public var retries: UInt64 = 0
        public var fallbacks: UInt64 = 0
        public var inputTokens: UInt64 = 0
        public var outputTokens: UInt64 = 0
        public var costUSD = 0.0
        public var latency = Histogram()
        public var ttft = Histogram()
        /// Clients' feedback per metric: how many, and the sum of their values (a boolean counts 1 or 0).
        public var feedback: [String: (count: UInt64, sum: Double)] = [:]
        /// The LLM judge's verdicts this entity took part in: won, tied (a flip with the order counts as a tie), lost.
        public var judged: (won: UInt64, tied: UInt64, lost: UInt64) = (0, 0, 0)

        public static func == (a: Entity, b: Entity) -> Bool {
            a.successes == b.successes && a.errors == b.errors && a.retries == b.retries && a.fallbacks == b.fallbacks
                && a.inputTokens == b.inputTokens && a.outputTokens == b.outputTokens && a.costUSD == b.costUSD
                && a.latency == b.latency && a.ttft == b.ttft && a.feedback.count == b.feedback.count
                && a.feedback.allSatisfy { k, v in b.feedback[k].map { $0 == v } ?? false } && a.judged == b.judged
        }
    }

    public struct Counts: Sendable, Equatable {
        public var entities: [Entity]
        /// Requests refused by the endpoint's own rate limits (`ai_gateway.rate_limits`).
        public var rateLimited: UInt64 = 0
        /// Pairs the judge took, by outcome: "judged", or the failure's name.
        public var judgements: [String: UInt64] = [:]
        /// The judge's tokens and cost, apart from the arms'.
        public var judgeTokens: (input: UInt64, output: UInt64) = (0, 0)
        public var judgeCostUSD = 0.0
        /// The rollout's latest state, and its moves by kind.
        public var rollout: RolloutState?

        public static func == (a: Counts, b: Counts) -> Bool {
            a.entities == b.entities && a.rateLimited == b.rateLimited && a.judgements == b.judgements
                && a.judgeTokens == b.judgeTokens && a.judgeCostUSD == b.judgeCostUSD && a.rollout == b.rollout
        }
    }

    public let entityNames: [String]
    private let state: Mutex<Counts>

    public init(entityNames: [String]) {
        self.entityNames = entityNames
        state = Mutex(Counts(entities: [Entity](repeating: Entity(), count: entityNames.count)))
    }

    public func observe(_ event: SessionEvent) {
        switch event {
        case .finished(let record): self.record(record)
        case .feedback(let f, _):
            state.withLock { s in
                guard s.entities.indices.contains(f.entity) else { return }
                let old = s.entities[f.entity].feedback[f.metric] ?? (0, 0)
                s.entities[f.entity].feedback[f.metric] = (old.count + 1, old.sum + f.value)
            }
        case .rollout(let state):
            self.state.withLock { $0.rollout = state }
        case .judged(let j, _):
            state.withLock { s in
                s.judgements[j.failure?.rawValue ?? "judged", default: 0] += 1
                s.judgeTokens.input += UInt64(max(0, j.inputTokens))
                s.judgeTokens.output += UInt64(max(0, j.outputTokens))
                s.judgeCostUSD += j.costUSD ?? 0
                guard let vote = j.vote else { return }
                for entity in [vote.a, vote.b] where s.entities.indices.contains(entity) {
                    switch vote.score(for: entity) {
                    case 1: s.entities[entity].judged.won += 1
                    case 0: s.entities[entity].judged.lost += 1
                    default: s.entities[entity].judged.tied += 1
                    }
                }
            }
        default: break
        }
    }

    public func record(_ record: RequestRecord) {
        let o = record.outcome
        state.withLock { s in
            guard s.entities.indices.contains(o.entity) else { return }
            var e = s.entities[o.entity]
            if let kind = o.error { e.errors[kind, default: 0] += 1 } else { e.successes += 1 }
            e.retries += UInt64(o.retries)
            if o.isFallback { e.fallbacks += 1 }
            e.inputTokens += UInt64(max(0, o.usage.input))
            e.outputTokens += UInt64(max(0, o.usage.output))
            e.costUSD += o.costUSD ?? 0
            e.latency.observe(Double(o.timing.e2eNanoseconds) / 1e9)
            if o.error == nil, let ttft = o.timing.ttftNanoseconds { e.ttft.observe(Double(ttft) / 1e9) }
            s.entities[o.entity] = e
        }
    }

    public func refusedByRateLimit() {
        state.withLock { $0.rateLimited += 1 }
    }

    public var counts: Counts { state.withLock { $0 } }
}
