/// One function call the model made: OpenAI's `tool_calls[i]`, Anthropic's `tool_use`, Gemini's `functionCall`,
/// Bedrock's `toolUse`, Cohere's `tool_calls[i]`.
public struct ToolCall: Sendable, Equatable {
    /// The provider's id for the call (Gemini gives none: one is made up, `call_<index>`).
    public var id: String
    public var name: String
    /// The arguments as JSON text, as OpenAI carries them.
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    /// Calls as people read them, one per line: `→ name(arguments)`.
    public static func display(_ calls: [ToolCall]) -> String {
        calls.map { "→ \($0.name)(\($0.arguments))" }.joined(separator: "\n")
    }

    /// An answer's text and calls as one text: the text, then the calls (see `display`).
    public static func output(text: String, calls: [ToolCall]) -> String {
        guard !calls.isEmpty else { return text }
        return text.isEmpty ? display(calls) : text + "\n" + display(calls)
    }

    /// The arguments as a JSON object (an empty object when they are not one: providers that take objects need
    /// one).
    public var argumentsObject: JSONValue {
        if let v = try? JSONParser.parse(arguments), v.objectValue != nil { return v }
        return .object(JSONObject())
    }
}

/// A piece of a streamed call: the first piece of a call carries its id and name, later ones more arguments.
public struct ToolCallDelta: Sendable, Equatable {
    /// Which call of the answer (0, 1, …).
    public var index: Int
    public var id: String?
    public var name: String?
    public var arguments: String

    public init(index: Int, id: String? = nil, name: String? = nil, arguments: String = "") {
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// A function the model may call.
public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String?
    /// A JSON Schema object for the arguments.
    public var parameters: JSONValue

    public init(name: String, description: String? = nil, parameters: JSONValue = .object(JSONObject())) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }

    /// `parameters`, or `{"type": "object", "properties": {}}` when none was given (Anthropic and Bedrock want one).
    public var schema: JSONValue {
        if let o = parameters.objectValue, !o.members.isEmpty { return parameters }
        return .object(JSONObject(["type": "object", "properties": .object(JSONObject())]))
    }
}

/// Whether and which function the model must call.
public enum ToolChoice: Sendable, Equatable {
    case auto
    case none
    /// Some function must be called (OpenAI `required`, Anthropic `any`, Gemini `ANY`).
    case required
    case function(String)
}

/// The shape the answer must take.
public enum ResponseFormat: Sendable, Equatable {
    case text
    /// Any JSON object.
    case jsonObject
    /// JSON matching `schema`.
    case jsonSchema(name: String, schema: JSONValue, strict: Bool?)

    public var schema: JSONValue? {
        if case .jsonSchema(_, let schema, _) = self { return schema }
        return nil
    }
}
