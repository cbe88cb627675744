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
        // Embeddings (input only).
        "text-embedding-3-small": Price(inputPerMillion: 0.02, outputPerMillion: 0),
        "text-embedding-3-large": Price(inputPerMillion: 0.13, outputPerMillion: 0),
        "text-embedding-ada-002": Price(inputPerMillion: 0.1, outputPerMillion: 0),
        // Google (Vertex AI; the prompt sizes abtop sends are under the long-context tier).
        "gemini-1.5-pro": Price(inputPerMillion: 1.25, outputPerMillion: 5),
        "gemini-1.5-flash": Price(inputPerMillion: 0.075, outputPerMillion: 0.3),
        "gemini-2.0-flash": Price(inputPerMillion: 0.1, outputPerMillion: 0.4),
        "gemini-2.0-flash-lite": Price(inputPerMillion: 0.075, outputPerMillion: 0.3),
        "gemini-2.5-pro": Price(inputPerMillion: 1.25, outputPerMillion: 10),
        "gemini-2.5-flash": Price(inputPerMillion: 0.3, outputPerMillion: 2.5),
        // Cohere.
        "command-r": Price(inputPerMillion: 0.15, outputPerMillion: 0.6),
        "command-r-plus": Price(inputPerMillion: 2.5, outputPerMillion: 10),
        "command-r7b": Price(inputPerMillion: 0.0375, outputPerMillion: 0.15),
        "command-a": Price(inputPerMillion: 2.5, outputPerMillion: 10),
        "embed-english-v3.0": Price(inputPerMillion: 0.1, outputPerMillion: 0),
        "embed-multilingual-v3.0": Price(inputPerMillion: 0.1, outputPerMillion: 0),
        // Amazon Bedrock's own and hosted models (ids are matched without their vendor and region prefixes).
        "nova-pro": Price(inputPerMillion: 0.8, outputPerMillion: 3.2),
        "nova-lite": Price(inputPerMillion: 0.06, outputPerMillion: 0.24),
        "nova-micro": Price(inputPerMillion: 0.035, outputPerMillion: 0.14),
        "titan-text-express": Price(inputPerMillion: 0.2, outputPerMillion: 0.6),
        "titan-embed-text": Price(inputPerMillion: 0.02, outputPerMillion: 0),
        "llama3-1-8b-instruct": Price(inputPerMillion: 0.22, outputPerMillion: 0.22),
        "llama3-1-70b-instruct": Price(inputPerMillion: 0.72, outputPerMillion: 0.72),
        "mistral-large": Price(inputPerMillion: 4, outputPerMillion: 12),
    ]

    /// Bedrock ids name a region and a vendor before the model (`us.anthropic.claude-3-5-sonnet-…-v1:0`).
    static let idPrefixes = ["us.", "eu.", "apac.", "us-gov."]
    static let vendors = ["anthropic.", "amazon.", "meta.", "cohere.", "mistral.", "ai21.", "deepseek."]

    public let overrides: [String: Price]

    public init(overrides: [String: Price] = [:]) {
        self.overrides = overrides
    }

    /// The price for `model`, or nil when neither the config nor the built-in list knows it.
    public func price(for model: String) -> Price? {
        if let p = overrides[model] { return p }
        var lower = model.lowercased()
        for prefix in Self.idPrefixes where lower.hasPrefix(prefix) { lower.removeFirst(prefix.count) }
        for vendor in Self.vendors where lower.hasPrefix(vendor) { lower.removeFirst(vendor.count) }
        if let p = Self.builtIn[lower] { return p }
        // A dated or versioned name finds its family: `-20240229`, `@001`, `:0`, `-002`.
        let family = Self.builtIn.keys
            .filter { lower.hasPrefix($0 + "-") || lower.hasPrefix($0 + "@") || lower.hasPrefix($0 + ":") }
            .max { $0.count < $1.count }
        return family.flatMap { Self.builtIn[$0] }
    }

    public func cost(model: String, inputTokens: Int, outputTokens: Int) -> Double? {
        price(for: model)?.cost(inputTokens: inputTokens, outputTokens: outputTokens)
    }
}
