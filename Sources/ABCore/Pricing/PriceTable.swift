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
    /// Public list prices (USD per million input / output tokens) of common models, for cost estimates only:
    /// each provider's descriptor lists its own (`ProviderDescriptor.prices`).
    public let builtIn: [String: Price]
    /// Prefixes model ids carry before the family name (a region, a vendor), dropped to find a price.
    let idPrefixes: [String]

    public let overrides: [String: Price]

    public init(overrides: [String: Price] = [:], providers: ProviderCatalog) {
        self.overrides = overrides
        self.builtIn = providers.prices
        self.idPrefixes = providers.modelIDPrefixes
    }

    /// The price for `model`, or nil when neither the config nor the built-in list knows it.
    public func price(for model: String) -> Price? {
        if let p = overrides[model] { return p }
        var lower = model.lowercased()
        // Prefixes in the order the providers list them (a region before a vendor).
        for prefix in idPrefixes where lower.hasPrefix(prefix) { lower.removeFirst(prefix.count) }
        if let p = builtIn[lower] { return p }
        // A dated or versioned name finds its family: `-20240229`, `@001`, `:0`, `-002`.
        let family = builtIn.keys
            .filter { lower.hasPrefix($0 + "-") || lower.hasPrefix($0 + "@") || lower.hasPrefix($0 + ":") }
            .max { $0.count < $1.count }
        return family.flatMap { builtIn[$0] }
    }

    public func cost(model: String, inputTokens: Int, outputTokens: Int) -> Double? {
        price(for: model)?.cost(inputTokens: inputTokens, outputTokens: outputTokens)
    }
}
