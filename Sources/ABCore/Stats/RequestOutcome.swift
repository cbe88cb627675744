/// Monotonic timestamps of one request, in nanoseconds on one clock (DESIGN §5).
public struct RequestTiming: Sendable, Equatable, Codable {
    /// Just before the transfer starts; in open-loop runs, the intended send time, so queueing is not hidden.
    public var start: UInt64
    public var firstByte: UInt64?
    /// First content token (streaming only).
    public var firstToken: UInt64?
    public var end: UInt64

    public init(start: UInt64, firstByte: UInt64? = nil, firstToken: UInt64? = nil, end: UInt64) {
        self.start = start
        self.firstByte = firstByte
        self.firstToken = firstToken
        self.end = end
    }

    /// End to end: last byte − start.
    public var e2eNanoseconds: UInt64 { end &- start }

    /// Time to first token: first content − start.
    public var ttftNanoseconds: UInt64? { firstToken.map { $0 &- start } }

    /// Time per output token after the first: (E2E − TTFT) / (output tokens − 1).
    public func tpotNanoseconds(outputTokens: Int) -> UInt64? {
        guard let ttft = ttftNanoseconds, outputTokens > 1, e2eNanoseconds >= ttft else { return nil }
        return (e2eNanoseconds - ttft) / UInt64(outputTokens - 1)
    }
}

/// Tokens a request used: the provider's usage, or an estimate of (characters + 3) / 4 where it gave none.
public struct TokenUsage: Sendable, Equatable, Codable {
    public var input: Int
    public var output: Int
    public var estimated: Bool

    public init(input: Int = 0, output: Int = 0, estimated: Bool = false) {
        self.input = input
        self.output = output
        self.estimated = estimated
    }

    /// DESIGN §5's estimate for text a provider reported no usage for.
    public static func estimate(characters: Int) -> Int { (characters + 3) / 4 }
}

/// What became of one request on one entity: the unit the stats, the journal and the dashboard consume.
public struct RequestOutcome: Sendable, Equatable {
    /// The entity that answered (or failed) this attempt chain.
    public var entity: Int
    /// The entity the router chose: the arm of the A/B comparison.
    public var arm: Int
    public var epoch: Int
    /// Set when this request was a fallback for `arm` after it failed; such requests stay out of the comparison.
    public var isFallback: Bool
    public var retries: Int
    public var timing: RequestTiming
    public var streamed: Bool
    /// The final HTTP status, if any response arrived.
    public var status: Int?
    /// Nil on success.
    public var error: ErrorKind?
    public var usage: TokenUsage
    /// USD, when the model's price is known.
    public var costUSD: Double?
    /// False for compare-mode requests (every entity got the prompt): they count for latency and errors but not
    /// towards the split's observed share or its SRM check.
    public var countsTowardSplit = true
    /// Whether the answer met its prompt's expectation (`"expect"`); nil when it had none or no answer came.
    public var checkPassed: Bool?
    /// The ticket `StatsAggregator.requestStarted` gave this request (its place in its entity's issue order), so
    /// the verdicts take requests in the order they were sent; nil for fallbacks and for outcomes recorded
    /// already in order (a replayed journal, a test).
    public var issue: Int?
    /// A sticky session's later request: routed by its session's first pick, not randomised, so left out of the
    /// verdicts (which are about each session's first request when sessions are sticky).
    public var repeatsSession = false

    public init(
        entity: Int, arm: Int? = nil, epoch: Int, isFallback: Bool = false, retries: Int = 0,
        timing: RequestTiming, streamed: Bool, status: Int? = 200, error: ErrorKind? = nil,
        usage: TokenUsage = TokenUsage(), costUSD: Double? = nil
    ) {
        self.entity = entity
        self.arm = arm ?? entity
        self.epoch = epoch
        self.isFallback = isFallback
        self.retries = retries
        self.timing = timing
        self.streamed = streamed
        self.status = status
        self.error = error
        self.usage = usage
        self.costUSD = costUSD
    }

    public var succeeded: Bool { error == nil }
}

/// An outcome with what was asked and answered: what the journal keeps and the side-by-side pane shows.
public struct RequestRecord: Sendable, Equatable {
    public var outcome: RequestOutcome
    public var promptID: String
    /// The last user message.
    public var prompt: String
    /// The answer's text (possibly partial, for a broken stream), then its tool calls (`ToolCall.display`).
    public var output: String
    public var finishReason: String?
    /// The provider's or the transport's error message; never holds a credential.
    public var errorMessage: String?
    /// In compare mode, the prompt's group: every entity's answer to the same prompt shares it.
    public var group: Int?
    /// The provider's own wait hint (`Retry-After`, `retry-after-ms`) on a failure, in seconds: `abtop serve`
    /// passes it on to its client instead of guessing.
    public var retryAfter: Double?
    /// The functions the answer called; `output` shows them after the text as `→ name(arguments)`.
    public var toolCalls: [ToolCall]
    /// How the answer fared against its prompt's expectation, if it had one and an answer came.
    public var check: Expectation.Check?

    public init(
        outcome: RequestOutcome, promptID: String, prompt: String, output: String = "",
        finishReason: String? = nil, errorMessage: String? = nil, group: Int? = nil,
        retryAfter: Double? = nil, toolCalls: [ToolCall] = []
    ) {
        self.toolCalls = toolCalls
        self.outcome = outcome
        self.promptID = promptID
        self.prompt = prompt
        self.output = output
        self.finishReason = finishReason
        self.errorMessage = errorMessage
        self.group = group
        self.retryAfter = retryAfter
    }
}
