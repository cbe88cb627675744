/// What the stats need to know about a served entity to label it.
public struct EntityInfo: Sendable, Equatable, Codable {
    public let name: String
    public let model: String
    public let provider: String
    /// What this arm sends beyond the prompt (`abtop.entities.<name>`: system prompt, temperature…), one line;
    /// nil when it sends the requests as they come.
    public let settings: String?

    public init(name: String, model: String, provider: String, settings: String? = nil) {
        self.name = name
        self.model = model
        self.provider = provider
        self.settings = settings.flatMap { $0.isEmpty ? nil : $0 }
    }

    public init(_ entity: ServedEntity, settings: AbtopSettings.EntitySettings? = nil) {
        self.init(
            name: entity.name, model: entity.model, provider: entity.provider.rawValue, settings: settings?.summary)
    }
}

/// Token totals of an entity.
public struct TokenTotals: Sendable, Equatable, Codable {
    public var input = 0
    public var output = 0
    /// True when any request's usage was estimated rather than reported by the provider.
    public var estimated = false

    public init() {}

    mutating func add(_ usage: TokenUsage) {
        input += usage.input
        output += usage.output
        estimated = estimated || usage.estimated
    }
}
