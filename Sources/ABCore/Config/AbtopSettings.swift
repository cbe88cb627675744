/// The optional top-level `abtop` block: what Databricks has no field for. Stripped when exporting to Databricks.
public struct AbtopSettings: Sendable, Equatable {
    public struct RequestDefaults: Sendable, Equatable {
        public var maxTokens = 256
        public var temperature: Double?
        public var stream = true

        public init(maxTokens: Int = 256, temperature: Double? = nil, stream: Bool = true) {
            self.maxTokens = maxTokens
            self.temperature = temperature
            self.stream = stream
        }
    }

    public struct Timeouts: Sendable, Equatable {
        public var connect = 5.0
        public var firstByte = 30.0
        public var total = 120.0

        public init(connect: Double = 5, firstByte: Double = 30, total: Double = 120) {
            self.connect = connect
            self.firstByte = firstByte
            self.total = total
        }
    }

    public struct Retries: Sendable, Equatable {
        public var max = 2
        public var backoffMilliseconds = 200

        public init(max: Int = 2, backoffMilliseconds: Int = 200) {
            self.max = max
            self.backoffMilliseconds = backoffMilliseconds
        }
    }

    /// How much of a provider's answer abtop reads and keeps: a provider that never ends a line, an event or an
    /// answer is cut there (error kind `too_large`) instead of growing the process without bound.
    public struct Limits: Sendable, Equatable {
        /// One SSE line (a `data:` line carries a whole chunk).
        public var lineBytes = 1 << 20
        /// One SSE event (its `data:` lines together).
        public var eventBytes = 4 << 20
        /// The answer text kept: ~500k tokens, far past any model's output limit.
        public var answerBytes = 2 << 20
        /// A whole non-streamed body (a JSON answer or an error body).
        public var bodyBytes = 8 << 20

        public init(
            lineBytes: Int = 1 << 20, eventBytes: Int = 4 << 20, answerBytes: Int = 2 << 20,
            bodyBytes: Int = 8 << 20
        ) {
            self.lineBytes = lineBytes
            self.eventBytes = eventBytes
            self.answerBytes = answerBytes
            self.bodyBytes = bodyBytes
        }
    }

    /// What one arm sends beyond the prompt (`abtop.entities.<name>`): arms can differ by prompt and parameters,
    /// not only by model. An arm's settings win over a request's own, which win over `request` defaults: the
    /// arm is the thing under test.
    public struct EntitySettings: Sendable, Equatable {
        /// Sent as the system message, before any the request carries.
        public var systemPrompt: String?
        /// Wraps each user turn: `{{prompt}}` is replaced by the user's text.
        public var promptTemplate: String?
        public var temperature: Double?
        public var topP: Double?
        public var maxTokens: Int?
        public var stop: [String]?
        /// Provider-specific members merged into the request body as they are (`seed`, `top_k`, …).
        public var extraParams = JSONObject()

        public init() {}

        public static let promptPlaceholder = "{{prompt}}"

        /// Nothing set: requests go out as the caller sent them.
        public var isEmpty: Bool { self == EntitySettings() }

        /// One line for tables: what this arm changes, in the order a reader compares them.
        public var summary: String {
            var parts: [String] = []
            if let t = temperature { parts.append("temperature \(Self.number(t))") }
            if let p = topP { parts.append("top_p \(Self.number(p))") }
            if let m = maxTokens { parts.append("max_tokens \(m)") }
            if let s = stop, !s.isEmpty {
                parts.append("stop \(s.map { JSONValue.quoted($0) }.joined(separator: ","))")
            }
            if let s = systemPrompt { parts.append("system \(Self.excerpt(s))") }
            if let t = promptTemplate { parts.append("template \(Self.excerpt(t))") }
            for member in extraParams.members { parts.append("\(member.key) \(member.value.rendered())") }
            return parts.joined(separator: " · ")
        }

        static func number(_ x: Double) -> String {
            x == x.rounded() && abs(x) < 1e6 ? String(Int(x)) : String(x)
        }

        static func excerpt(_ s: String) -> String {
            let flat = s.split(whereSeparator: \.isNewline).joined(separator: " ")
            return JSONValue.quoted(flat.count > 40 ? String(flat.prefix(39)) + "…" : flat)
        }
    }

    /// Per-entity overrides: `base_url`, the provider root as its SDK takes it.
    public var baseURLs: [String: String] = [:]
    /// Per-entity request settings, by entity name.
    public var entities: [String: EntitySettings] = [:]
    public var request = RequestDefaults()
    public var timeouts = Timeouts()
    public var retries = Retries()
    public var limits = Limits()
    public var breaker = Breaker.Policy()
    public var strategy = RoutingStrategy.random
    /// With `thompson`: the share of picks each arm keeps at least (`router.floor`).
    public var floor = 0.05
    public var seed: UInt64?
    public var sticky = false
    /// Prices per million tokens by model name, over the built-in table.
    public var prices: [String: Price] = [:]
    /// An LLM judge of answer quality (`abtop.judge`), if configured.
    public var judge: JudgeSettings?
    /// A guarded rollout `abtop serve` runs on this endpoint (`abtop.rollout`), if any.
    public var rollout: RolloutPlan?

    public init() {}
}
