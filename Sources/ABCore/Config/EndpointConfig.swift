/// A serving endpoint as Databricks defines it (served entities plus a traffic split), with abtop's own settings.
///
/// Produced only by `EndpointConfigReader`, so every value here has been validated.
public struct EndpointConfig: Sendable, Equatable {
    public var name: String
    /// The one task all entities share (`llm/v1/chat`, `llm/v1/completions`, `llm/v1/embeddings`).
    public var task: String

    /// `task`, typed (the reader admits only these).
    public var endpointTask: EndpointTask { EndpointTask(rawValue: task) ?? .chat }
    public var servedEntities: [ServedEntity]
    /// Target percentage per entity, in `servedEntities` order; sums to 100.
    public var weights: Weights
    public var aiGateway: AIGatewayConfig
    public var settings: AbtopSettings

    public func entityIndex(named name: String) -> Int? {
        servedEntities.firstIndex { $0.name == name }
    }
}

/// One external model behind the endpoint.
public struct ServedEntity: Sendable, Equatable {
    /// Unique within the endpoint; letters, digits, `-` and `_`.
    public var name: String
    /// The provider's model name (`gpt-4`, `claude-3-opus-20240229`).
    public var model: String
    public var provider: Provider
    public var task: String
    /// Read from the entity's `<provider>_config` block by its provider's descriptor.
    public var providerSettings: any ProviderSettings

    public init(
        name: String, model: String, provider: Provider, task: String, providerSettings: any ProviderSettings
    ) {
        self.name = name
        self.model = model
        self.provider = provider
        self.task = task
        self.providerSettings = providerSettings
    }

    public static func == (a: ServedEntity, b: ServedEntity) -> Bool {
        a.name == b.name && a.model == b.model && a.provider == b.provider && a.task == b.task
            && a.providerSettings.isEqual(to: b.providerSettings)
    }
}

/// The `ai_gateway` block, by Databricks' field names.
public struct AIGatewayConfig: Sendable, Equatable {
    public struct RateLimit: Sendable, Equatable {
        public enum Key: String, Sendable, CaseIterable {
            case endpoint
            case user
            case userGroup = "user_group"
            case servicePrincipal = "service_principal"
        }

        public var calls: Int?
        public var tokens: Int?
        public var key: Key
        public var principal: String?
        /// Only `minute` exists in Databricks today.
        public var renewalPeriodSeconds: Int

        public init(calls: Int?, tokens: Int?, key: Key, principal: String?, renewalPeriodSeconds: Int) {
            self.calls = calls
            self.tokens = tokens
            self.key = key
            self.principal = principal
            self.renewalPeriodSeconds = renewalPeriodSeconds
        }
    }

    public var fallbackEnabled = false
    public var rateLimits: [RateLimit] = []
    public var usageTrackingEnabled = false
    public var inferenceTableEnabled = false

    public init() {}
}

/// The tasks Databricks serves from external models: what a request carries and what an answer is.
public enum EndpointTask: String, Sendable, CaseIterable {
    /// Messages in, a message out (streamed or not).
    case chat = "llm/v1/chat"
    /// A prompt in, text out: OpenAI-style providers' `/completions`; the others' chat with the prompt as the user's.
    case completions = "llm/v1/completions"
    /// Texts in, vectors out; never streamed, so no time to first token.
    case embeddings = "llm/v1/embeddings"
}
