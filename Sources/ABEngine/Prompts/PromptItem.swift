import ABCore
import ABProviders

/// One prompt to send: its messages, an id for the journal, and an optional session key for sticky routing;
/// the tools it offers, the answer shape it asks for, and what its answer must be.
public struct PromptItem: Sendable, Equatable {
    public var id: String
    public var messages: [ChatMessage]
    public var session: String?
    public var tools: [ToolDefinition] = []
    public var toolChoice: ToolChoice?
    public var responseFormat: ResponseFormat?
    /// What the answer must be (a prompt file's `"expect"`), checked on every answer.
    public var expect: Expectation?

    public init(id: String, messages: [ChatMessage], session: String? = nil) {
        self.id = id
        self.messages = messages
        self.session = session
    }

    public init(id: String, prompt: String, system: String? = nil, session: String? = nil) {
        self.init(id: id, messages: (system.map { [ChatMessage.system($0)] } ?? []) + [.user(prompt)], session: session)
    }

    /// The last user message, as the side-by-side pane shows it.
    public var text: String {
        messages.last { $0.role == .user }?.content ?? messages.last?.content ?? ""
    }
}
