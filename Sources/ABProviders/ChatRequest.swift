import ABCore

/// One chat message, provider-neutral.
public struct ChatMessage: Sendable, Equatable, Codable {
    public enum Role: String, Sendable, Codable {
        case system
        case user
        case assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: .user, content: text) }
    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: .system, content: text) }
}

/// The unified chat request every provider's wire format is built from.
public struct ChatRequest: Sendable, Equatable {
    public var messages: [ChatMessage]
    public var maxTokens: Int?
    public var temperature: Double?
    public var stream: Bool
    public var stop: [String]
    public var topP: Double?
    /// Members sent as they are to OpenAI-style providers only (`seed`, `presence_penalty`, …: a served
    /// request's own parameters that Anthropic's API has no word for).
    public var openAIExtras: JSONObject

    public init(
        messages: [ChatMessage], maxTokens: Int? = nil, temperature: Double? = nil, stream: Bool = true,
        stop: [String] = [], topP: Double? = nil, openAIExtras: JSONObject = JSONObject()
    ) {
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.stream = stream
        self.stop = stop
        self.topP = topP
        self.openAIExtras = openAIExtras
    }

    /// All message text, for estimating input tokens when a provider reports none.
    public var characterCount: Int { messages.reduce(0) { $0 + $1.content.count } }
}

/// What one caller asks beyond the prompt (a served request's own `max_tokens`, `stream`…); nil takes the
/// endpoint's request defaults.
public struct RequestOverrides: Sendable, Equatable {
    public var maxTokens: Int?
    public var temperature: Double?
    public var stream: Bool?
    public var stop: [String]
    public var topP: Double?
    /// Sent as they are to OpenAI-style providers (see `ChatRequest.openAIExtras`).
    public var openAIExtras: JSONObject

    public init(
        maxTokens: Int? = nil, temperature: Double? = nil, stream: Bool? = nil, stop: [String] = [],
        topP: Double? = nil, openAIExtras: JSONObject = JSONObject()
    ) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.stream = stream
        self.stop = stop
        self.topP = topP
        self.openAIExtras = openAIExtras
    }
}

/// What came back, provider-neutral.
public struct ChatResult: Sendable, Equatable {
    public var text: String
    /// The provider's own word (`stop`, `length`, `end_turn`, `max_tokens`), if it gave one.
    public var finishReason: String?
    public var inputTokens: Int?
    public var outputTokens: Int?

    public init(text: String = "", finishReason: String? = nil, inputTokens: Int? = nil, outputTokens: Int? = nil) {
        self.text = text
        self.finishReason = finishReason
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}
