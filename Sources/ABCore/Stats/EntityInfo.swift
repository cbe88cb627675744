/// What the stats need to know about a served entity to label it.
public struct EntityInfo: Sendable, Equatable, Codable {
    public let name: String
    public let model: String
    public let provider: String

    public init(name: String, model: String, provider: String) {
        self.name = name
        self.model = model
        self.provider = provider
    }

    public init(_ entity: ServedEntity) {
        self.init(name: entity.name, model: entity.model, provider: entity.provider.rawValue)
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
