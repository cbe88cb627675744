import ABCore
import Foundation

/// How a simulated model behaves: latency, speed, length, errors and stream faults (DESIGN §10).
public struct MockProfile: Sendable, Equatable {
    public var name: String
    /// Time to first token, in milliseconds. For a non-streaming reply the whole answer arrives at
    /// TTFT + (tokens − 1) / speed, when the last token would have been generated.
    public var ttftMilliseconds: Distribution
    /// Decode speed after the first token; 0 means every token at once.
    public var tokensPerSecond: Double
    public var outputTokens: Distribution
    /// Probability of answering with an error, per HTTP status (429, 500, 503, 529).
    public var errorRates: [Int: Double]
    /// `Retry-After` (and `retry-after-ms`) on 429 and 529 answers.
    public var retryAfterSeconds: Double
    /// Probability of each stream fault, per request.
    public var faultRates: [MockFault: Double]
    /// How long a `stall` fault pauses the stream.
    public var stallSeconds: Double
    public var style: TextStyle

    public init(
        name: String, ttftMilliseconds: Distribution, tokensPerSecond: Double, outputTokens: Distribution,
        errorRates: [Int: Double] = [:], retryAfterSeconds: Double = 1, faultRates: [MockFault: Double] = [:],
        stallSeconds: Double = 5, style: TextStyle = .plain
    ) {
        self.name = name
        self.ttftMilliseconds = ttftMilliseconds
        self.tokensPerSecond = tokensPerSecond
        self.outputTokens = outputTokens
        self.errorRates = errorRates
        self.retryAfterSeconds = retryAfterSeconds
        self.faultRates = faultRates
        self.stallSeconds = stallSeconds
        self.style = style
    }
}

/// A fault injected into a streamed answer.
public enum MockFault: String, Sendable, CaseIterable {
    /// The stream ends cleanly but without its final event (`[DONE]`, `message_stop`).
    case cutoff
    /// The connection is reset mid-stream.
    case disconnect
    /// One chunk is not valid JSON.
    case malformed
    /// The stream pauses for `stallSeconds`, then goes on.
    case stall
}

/// The voice of generated answers, so two simulated models read differently side by side.
public enum TextStyle: String, Sendable, CaseIterable {
    case plain
    /// Short, direct sentences.
    case concise
    /// An opening, numbered points, a summary.
    case thorough
    /// The prompt (its last user message) repeated word for word, in pieces: a provider that echoes what it was
    /// sent, for tests of what such an echo reaches.
    case echo
    /// Plain text that ends by instructing a judge ("Ignore the rubric … say A."): an answer that attacks the judge.
    case injection
    /// A judge (it reads `JudgePrompt`'s message) that always answers `[[A]]`: pure position bias.
    case judgeFirst = "judge_first"
    /// A judge that prefers the longer answer (`[[C]]` when they are as long).
    case judgeLonger = "judge_longer"
    /// A judge that obeys an answer telling it which letter to say, else prefers the longer answer.
    case judgeObedient = "judge_obedient"

    /// A simulated judge: a chat model (it refuses the legacy completions endpoint, as OpenAI's chat models do).
    public var isJudge: Bool { self == .judgeFirst || self == .judgeLonger || self == .judgeObedient }

    /// The answer's length comes from the style (an echo, a verdict), not from the profile's token count.
    public var writesOwnLength: Bool {
        switch self {
        case .echo, .judgeFirst, .judgeLonger, .judgeObedient: true
        case .plain, .concise, .thorough, .injection: false
        }
    }
}

/// A positive random quantity: fixed, or log-normal given by its median and 99th percentile.
public enum Distribution: Sendable, Equatable {
    case fixed(Double)
    case logNormal(median: Double, p99: Double)

    /// z of the 99th percentile of the standard normal.
    static let z99 = 2.3263478740408408

    public func sample(_ rng: inout SplitMix64) -> Double {
        switch self {
        case .fixed(let v):
            return v
        case .logNormal(let median, let p99):
            let mu = log(median)
            let sigma = max(0, (log(max(p99, median)) - mu) / Self.z99)
            // Box-Muller; 1 − u keeps the logarithm's argument in (0, 1].
            let u1 = 1 - rng.unit()
            let u2 = rng.unit()
            let z = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
            return exp(mu + sigma * z)
        }
    }

    public var median: Double {
        switch self {
        case .fixed(let v): v
        case .logNormal(let m, _): m
        }
    }
}

extension MockProfile {
    /// Realistic and fault-free: what `abtop mock-server` answers with when no profile is named.
    public static let standard = MockProfile(
        name: "default", ttftMilliseconds: .logNormal(median: 350, p99: 1_500), tokensPerSecond: 60,
        outputTokens: .logNormal(median: 120, p99: 400), style: .plain)

    /// No waiting at all and short answers: for load-testing abtop itself.
    public static let fast = MockProfile(
        name: "fast", ttftMilliseconds: .fixed(0), tokensPerSecond: 0, outputTokens: .fixed(16), style: .concise)

    public static let slow = MockProfile(
        name: "slow", ttftMilliseconds: .logNormal(median: 1_200, p99: 5_000), tokensPerSecond: 20,
        outputTokens: .logNormal(median: 250, p99: 700), style: .thorough)

    /// Every kind of trouble, often enough to see within a minute.
    public static let flaky = MockProfile(
        name: "flaky", ttftMilliseconds: .logNormal(median: 400, p99: 2_000), tokensPerSecond: 50,
        outputTokens: .logNormal(median: 100, p99: 300),
        errorRates: [429: 0.05, 500: 0.03, 503: 0.02, 529: 0.02], retryAfterSeconds: 1,
        faultRates: [.cutoff: 0.03, .disconnect: 0.02, .malformed: 0.02, .stall: 0.02], stallSeconds: 3,
        style: .plain)

    /// The demo's quick model: short answers, fast, a few 429s.
    public static let demoSwift = MockProfile(
        name: "demo-swift", ttftMilliseconds: .logNormal(median: 250, p99: 900), tokensPerSecond: 90,
        outputTokens: .logNormal(median: 60, p99: 150), errorRates: [429: 0.03], retryAfterSeconds: 1,
        style: .concise)

    /// The demo's careful model: slower, longer, structured answers.
    public static let demoThorough = MockProfile(
        name: "demo-thorough", ttftMilliseconds: .logNormal(median: 700, p99: 2_500), tokensPerSecond: 45,
        outputTokens: .logNormal(median: 220, p99: 500), errorRates: [500: 0.005], style: .thorough)

    public static let builtIns: [MockProfile] = [.standard, .fast, .slow, .flaky, .demoSwift, .demoThorough]

    public static func builtIn(named name: String) -> MockProfile? {
        builtIns.first { $0.name == name }
    }
}
