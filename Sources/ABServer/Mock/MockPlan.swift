import ABCore
import Foundation
import Synchronization

/// What the simulated provider was asked, in the terms the plan needs.
public struct MockRequest: Sendable, Equatable {
    public enum Wire: String, Sendable {
        case openai
        case anthropic
        case gemini
        case bedrock
        case cohere
    }

    /// A function the request offers, by name and argument schema.
    public struct Tool: Sendable, Equatable {
        public var name: String
        public var schema: JSONValue
    }

    public enum ToolChoice: Sendable, Equatable {
        case auto
        case none
        case required
        case function(String)
    }

    public var wire: Wire
    public var model: String
    /// All message text (system included), for counting input tokens.
    public var inputText: String
    /// The last user message: what the answer is about.
    public var prompt: String
    public var maxTokens: Int?
    public var stream: Bool
    /// The system prompt: part of what the answer depends on (two arms with two system prompts answer differently).
    public var system = ""
    public var tools: [Tool] = []
    public var toolChoice: ToolChoice = .auto
    /// The last turn is a tool's result: the model answers in words.
    public var answersToolResult = false
    /// The answer must be JSON (matching `jsonSchema` when one is given).
    public var wantsJSON = false
    public var jsonSchema: JSONValue?

    public init(wire: Wire, model: String, inputText: String, prompt: String, maxTokens: Int?, stream: Bool) {
        self.wire = wire
        self.model = model
        self.inputText = inputText
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.stream = stream
    }

    /// The tool the simulated model calls, if any: the one named, else the first, unless told not to or it is
    /// answering a tool's result.
    var toolToCall: Tool? {
        guard !tools.isEmpty, !answersToolResult else { return nil }
        switch toolChoice {
        case .none: return nil
        case .function(let name): return tools.first { $0.name == name }
        case .auto, .required: return tools.first
        }
    }
}

/// Everything about one simulated answer, decided up front so it is deterministic and testable without a socket.
public struct MockPlan: Sendable, Equatable {
    public enum FinishReason: Sendable, Equatable {
        /// The answer ended by itself.
        case stop
        /// `max_tokens` cut it short.
        case length
    }

    /// Non-nil: answer with this HTTP error instead.
    public var errorStatus: Int?
    public var retryAfterSeconds: Double?
    /// Seconds before the first content token (or before the error).
    public var ttft: Double
    /// Seconds between content tokens; 0 sends them together.
    public var tokenInterval: Double
    public var tokens: [String]
    public var finishReason: FinishReason
    public var inputTokens: Int
    /// The fault and the index of the token at which it strikes.
    public var fault: (kind: MockFault, atToken: Int)?
    public var stallSeconds: Double
    /// A seed for ids, so they are as deterministic as the rest.
    public var idSeed: UInt64
    /// The answer is a call of this function; `tokens` are its arguments' JSON, in pieces.
    public var toolCall: (id: String, name: String)?

    public var text: String { tokens.joined() }

    /// Seconds from the request to the last token.
    public var totalSeconds: Double { ttft + tokenInterval * Double(max(0, tokens.count - 1)) }

    public static func == (a: MockPlan, b: MockPlan) -> Bool {
        a.errorStatus == b.errorStatus && a.retryAfterSeconds == b.retryAfterSeconds && a.ttft == b.ttft
            && a.tokenInterval == b.tokenInterval && a.tokens == b.tokens && a.finishReason == b.finishReason
            && a.inputTokens == b.inputTokens && a.fault?.kind == b.fault?.kind && a.fault?.atToken == b.fault?.atToken
            && a.stallSeconds == b.stallSeconds && a.idSeed == b.idSeed && a.toolCall?.id == b.toolCall?.id
            && a.toolCall?.name == b.toolCall?.name
    }
}

/// Decides plans: the text from (seed, model, prompt), so a prompt always gets the same answer from a model;
/// timing, errors and faults from (seed, model, prompt, how many times this request was seen before), so
/// repeating a request samples the profile afresh yet a rerun with the same seed repeats exactly.
public struct MockPlanner: Sendable {
    private let live: MockProfiles
    public let seed: UInt64

    public init(profiles: MockProfileSet, seed: UInt64) {
        self.init(live: MockProfiles(profiles), seed: seed)
    }

    public init(live: MockProfiles, seed: UInt64) {
        self.live = live
        self.seed = seed
    }

    /// The profiles as they are now.
    public var profiles: MockProfileSet { live.current }

    public func plan(_ request: MockRequest, occurrence: Int) -> MockPlan {
        let profile = profiles.profile(for: request.model)
        let key = StableHash.of(request.model + "\u{0}" + request.inputText, salt: seed)
        var rng = SplitMix64(seed: key &+ UInt64(occurrence) &* 0x9E37_79B9_7F4A_7C15)
        let ttft = max(0, profile.ttftMilliseconds.sample(&rng)) / 1_000
        let inputTokens = max(1, TokenUsage.estimate(characters: request.inputText.count))

        var plan = MockPlan(
            errorStatus: nil, retryAfterSeconds: nil, ttft: ttft,
            tokenInterval: profile.tokensPerSecond > 0 ? 1 / profile.tokensPerSecond : 0,
            tokens: [], finishReason: .stop, inputTokens: inputTokens, fault: nil,
            stallSeconds: profile.stallSeconds, idSeed: rng.next())

        var draw = rng.unit()
        for status in profile.errorRates.keys.sorted() {
            let rate = profile.errorRates[status]!
            if draw < rate {
                plan.errorStatus = status
                if status == 429 || status == 529 || status == 503 {
                    plan.retryAfterSeconds = profile.retryAfterSeconds
                }
                // Errors come back quickly: the provider refuses before generating.
                plan.ttft = min(ttft, 0.02)
                return plan
            }
            draw -= rate
        }

        var count = max(1, Int(profile.outputTokens.sample(&rng).rounded()))
        if let limit = request.maxTokens, count > limit {
            count = max(1, limit)
            plan.finishReason = .length
        }
        let salt = request.system.isEmpty ? 0 : StableHash.of(request.system)
        plan.tokens = TextGenerator.tokens(
            prompt: request.prompt, model: request.model, style: profile.style,
            count: count, seed: seed ^ salt)
        if profile.style.writesOwnLength { count = plan.tokens.count }
        if let tool = request.toolToCall {
            var ids = SplitMix64(seed: plan.idSeed)
            plan.toolCall = ("call_" + String(ids.next(), radix: 36), tool.name)
            plan.tokens = MockJSON.pieces(MockJSON.value(for: tool.schema, words: plan.tokens).rendered())
            plan.finishReason = .stop
            count = plan.tokens.count
        } else if request.wantsJSON {
            let answer = plan.tokens.joined().trimmingCharacters(in: .whitespaces)
            let value =
                request.jsonSchema.map { MockJSON.value(for: $0, words: plan.tokens) }
                ?? JSONValue.object(JSONObject(["answer": .string(answer)]))
            plan.tokens = MockJSON.pieces(value.rendered())
            plan.finishReason = .stop
            count = plan.tokens.count
        }

        var faultDraw = rng.unit()
        for kind in MockFault.allCases {
            let rate = profile.faultRates[kind] ?? 0
            if faultDraw < rate {
                plan.fault = (kind, rng.below(max(1, count)))
                break
            }
            faultDraw -= rate
        }
        return plan
    }
}

/// The simulated models' profiles, changeable while the server runs: a test turns a healthy model bad mid-run
/// (a rollout's candidate starting to fail) without restarting anything.
public final class MockProfiles: Sendable {
    private let state: Mutex<MockProfileSet>

    public init(_ profiles: MockProfileSet) { state = Mutex(profiles) }

    public var current: MockProfileSet {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
