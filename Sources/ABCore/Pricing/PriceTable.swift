/// A model's price in USD per million tokens.
public struct Price: Sendable, Equatable, Codable {
    public var inputPerMillion: Double
    public var outputPerMillion: Double

    public init(inputPerMillion: Double, outputPerMillion: Double) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
    }

    public func cost(inputTokens: Int, outputTokens: Int) -> Double {
        (Double(inputTokens) * inputPerMillion + Double(outputTokens) * outputPerMillion) / 1_000_000
    }
}

/// Prices by model name: the config's `abtop.prices` first (exact name), then the built-in list of public
/// list prices by longest matching prefix, so dated model names (`claude-3-opus-20240229`) find their family.
public struct PriceTable: Sendable {
    /// Public list prices (USD per million input / output tokens) of common models, for cost estimates only.
    public static let builtIn: [String: Price] = [
        "gpt-4": Price(inputPerMillion: 30, outputPerMillion: 60),
        "gpt-4-32k": Price(inputPerMillion: 60, outputPerMillion: 120),
        "gpt-4-turbo": Price(inputPerMillion: 10, outputPerMillion: 30),
        "gpt-4o": Price(inputPerMillion: 2.5, outputPerMillion: 10),
        "gpt-4o-mini": Price(inputPerMillion: 0.15, outputPerMillion: 0.6),
        "gpt-4.1": Price(inputPerMillion: 2, outputPerMillion: 8),
        "gpt-4.1-mini": Price(inputPerMillion: 0.4, outputPerMillion: 1.6),
        "gpt-4.1-nano": Price(inputPerMillion: 0.1, outputPerMillion: 0.4),
        "gpt-3.5-turbo": Price(inputPerMillion: 0.5, outputPerMillion: 1.5),
        "o1": Price(inputPerMillion: 15, outputPerMillion: 60),
        "o3-mini": Price(inputPerMillion: 1.1, outputPerMillion: 4.4),
        "claude-3-opus": Price(inputPerMillion: 15, outputPerMillion: 75),
        "claude-3-sonnet": Price(inputPerMillion: 3, outputPerMillion: 15),
        "claude-3-haiku": Price(inputPerMillion: 0.25, outputPerMillion: 1.25),
        "claude-3-5-sonnet": Price(inputPerMillion: 3, outputPerMillion: 15),
        "claude-3-5-haiku": Price(inputPerMillion: 0.8, outputPerMillion: 4),
        "claude-3-7-sonnet": Price(inputPerMillion: 3, outputPerMillion: 15),
        "claude-sonnet-4": Price(inputPerMillion: 3, outputPerMillion: 15),
        "claude-opus-4": Price(inputPerMillion: 15, outputPerMillion: 75),
    ]

    public let overrides: [String: Price]

    public init(overrides: [String: Price] = [:]) {
        self.overrides = overrides
    }

    /// The price for `model`, or nil when neither the config nor the built-in list knows it.
    public func price(for model: String) -> Price? {
        if let p = overrides[model] { return p }
        let lower = model.lowercased()
        if let p = Self.builtIn[lower] { return p }
        let family = Self.builtIn.keys
            .filter { lower.hasPrefix($0 + "-") || lower.hasPrefix($0 + "@") }
            .max { $0.count < $1.count }
        return family.flatMap { Self.builtIn[$0] }
    }

    public func cost(model: String, inputTokens: Int, outputTokens: Int) -> Double? {
        price(for: model)?.cost(inputTokens: inputTokens, outputTokens: outputTokens)
    }
}
