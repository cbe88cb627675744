import ABCore
import Foundation

/// One chat message, provider-neutral.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable {
        case system
        case user
        case assistant
        /// A tool's result, answering the assistant's call `toolCallID`.
        case tool
    }

    public var role: Role
    public var content: String
    /// The calls an assistant turn made (OpenAI's `tool_calls`, Anthropic's `tool_use` blocks…).
    public var toolCalls: [ToolCall]
    /// On a `.tool` message: the call it answers.
    public var toolCallID: String?
    /// On a `.tool` message: the function's name (Gemini's `functionResponse` is keyed by name, not id).
    public var toolName: String?

    public init(
        role: Role, content: String, toolCalls: [ToolCall] = [], toolCallID: String? = nil, toolName: String? = nil
    ) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.toolName = toolName
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
    public var extraParameters: JSONObject
    /// Functions the model may call; empty: none.
    public var tools: [ToolDefinition]
    public var toolChoice: ToolChoice?
    public var responseFormat: ResponseFormat?
    /// Members merged into the body for any provider (an arm's `extra_params`, in that provider's own words).
    public var providerExtras: JSONObject
    /// What is asked: a chat answer, a completion of the (single user) prompt, or embeddings of `inputs`.
    public var task: EndpointTask = .chat
    /// The texts to embed (`llm/v1/embeddings`).
    public var inputs: [String] = []

    public init(
        messages: [ChatMessage], maxTokens: Int? = nil, temperature: Double? = nil, stream: Bool = true,
        stop: [String] = [], topP: Double? = nil, extraParameters: JSONObject = JSONObject(),
        tools: [ToolDefinition] = [], toolChoice: ToolChoice? = nil, responseFormat: ResponseFormat? = nil,
        providerExtras: JSONObject = JSONObject()
    ) {
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.stream = stream
        self.stop = stop
        self.topP = topP
        self.extraParameters = extraParameters
        self.tools = tools
        self.toolChoice = toolChoice
        self.responseFormat = responseFormat
        self.providerExtras = providerExtras
    }

    /// All message text, for estimating input tokens when a provider reports none.
    public var characterCount: Int {
        // An embeddings request's messages only name its inputs (for the journal): the inputs are what is sent.
        if task == .embeddings { return inputs.reduce(0) { $0 + $1.count } }
        return messages.reduce(0) { sum, m in
            sum + m.content.count + m.toolCalls.reduce(0) { $0 + $1.name.count + $1.arguments.count }
        }
    }

    /// The request as one arm sends it (`abtop.entities.<name>`): its system prompt first, its template around each
    /// user turn, its parameters over the request's.
    public func applying(_ arm: AbtopSettings.EntitySettings) -> ChatRequest {
        guard !arm.isEmpty else { return self }
        var out = self
        if let template = arm.promptTemplate {
            for i in out.messages.indices where out.messages[i].role == .user {
                out.messages[i].content = template.replacingOccurrences(
                    of: AbtopSettings.EntitySettings.promptPlaceholder, with: out.messages[i].content)
            }
        }
        if let system = arm.systemPrompt { out.messages.insert(.system(system), at: 0) }
        if let t = arm.temperature { out.temperature = t }
        if let p = arm.topP { out.topP = p }
        if let m = arm.maxTokens { out.maxTokens = m }
        if let s = arm.stop { out.stop = s }
        for member in arm.extraParams.members { out.providerExtras[member.key] = member.value }
        return out
    }
}

/// What one caller asks beyond the prompt (a served request's own `max_tokens`, `stream`…); nil takes the
/// endpoint's request defaults.
public struct RequestOverrides: Sendable, Equatable {
    public var maxTokens: Int?
    public var temperature: Double?
    public var stream: Bool?
    public var stop: [String]
    public var topP: Double?
    /// Sent as they are to OpenAI-style providers (see `ChatRequest.extraParameters`).
    public var extraParameters: JSONObject
    public var tools: [ToolDefinition]
    public var toolChoice: ToolChoice?
    public var responseFormat: ResponseFormat?
    /// The texts to embed, for an embeddings endpoint (empty: the prompt's text).
    public var inputs: [String] = []

    public init(
        maxTokens: Int? = nil, temperature: Double? = nil, stream: Bool? = nil, stop: [String] = [],
        topP: Double? = nil, extraParameters: JSONObject = JSONObject(), tools: [ToolDefinition] = [],
        toolChoice: ToolChoice? = nil, responseFormat: ResponseFormat? = nil
    ) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.stream = stream
        self.stop = stop
        self.topP = topP
        self.extraParameters = extraParameters
        self.tools = tools
        self.toolChoice = toolChoice
        self.responseFormat = responseFormat
    }
}
