import ABCore

/// The `llm/v1/embeddings` and `llm/v1/completions` tasks in each provider's words: OpenAI's `/embeddings` and
/// `/completions` (also Azure, custom servers, Databricks invocations), Cohere's `/v2/embed`, Bedrock's
/// `InvokeModel` with Titan's or Cohere's body, Vertex AI's `:predict`.
extension WireFormat {
    func embeddingsBody(_ chat: ChatRequest) -> JSONValue {
        let texts = JSONValue.array(chat.inputs.map(JSONValue.string))
        var body: JSONObject
        switch dialect {
        case .cohere:
            body = JSONObject([
                "model": .string(bodyModel ?? model), "texts": texts, "input_type": "search_document",
                "embedding_types": ["float"],
            ])
        case .bedrock where bedrockFamily == .cohere:
            body = JSONObject(["texts": texts, "input_type": "search_document"])
        case .bedrock:
            // Titan embeds one text per call; the engine sends one input at a time to it (see `maxInputs`).
            body = JSONObject(["inputText": .string(chat.inputs.first ?? "")])
        case .gemini:
            body = JSONObject(["instances": .array(chat.inputs.map { ["content": .string($0)] })])
        case .openAI, .anthropic:
            body = JSONObject()
            if let bodyModel { body["model"] = .string(bodyModel) }
            body["input"] = texts
            body["encoding_format"] = "float"
        }
        for member in chat.providerExtras.members where body[member.key] == nil { body[member.key] = member.value }
        return .object(body)
    }

    /// How many texts one embeddings request may carry (Titan takes one).
    public var maxInputs: Int { dialect == .bedrock && bedrockFamily != .cohere ? 1 : 96 }

    /// At most this many texts in one request to a model that takes fewer per call (sent in turn, one call each):
    /// beyond it, one served request would become hundreds of upstream calls that rate limits count as one.
    public static let maxBatchedInputs = 64

    /// OpenAI's legacy completions body: the user's turns as one `prompt`.
    func completionsBody(_ chat: ChatRequest) -> JSONValue {
        var body = JSONObject()
        if let bodyModel { body["model"] = .string(bodyModel) }
        // Completions have no system role: an arm's system prompt goes first in the prompt itself.
        body["prompt"] = .string(
            chat.messages.filter { $0.role == .user || $0.role == .system }.map(\.content).joined(separator: "\n\n"))
        body["max_tokens"] = .number(JSONNumber(chat.maxTokens ?? defaults.maxTokens))
        body["stream"] = .bool(chat.stream)
        if chat.stream { body["stream_options"] = ["include_usage": true] }
        if let t = chat.temperature ?? defaults.temperature { body["temperature"] = .number(JSONNumber(t)) }
        if let p = chat.topP { body["top_p"] = .number(JSONNumber(p)) }
        if !chat.stop.isEmpty { body["stop"] = .array(chat.stop.map(JSONValue.string)) }
        for member in chat.extraParameters.members where body[member.key] == nil { body[member.key] = member.value }
        for member in chat.providerExtras.members where body[member.key] == nil { body[member.key] = member.value }
        return .object(body)
    }

    /// The vectors and the input tokens of an embeddings answer: one vector per input, every one whole, or the
    /// answer is malformed (a vector missing would shift the others onto the wrong inputs).
    func decodeEmbeddings(_ object: JSONValue, expected: Int) -> Result<ChatResult, ProviderError> {
        func vector(_ v: JSONValue?) -> [Double]? {
            guard let list = v?.arrayValue, !list.isEmpty else { return nil }
            var out: [Double] = []
            out.reserveCapacity(list.count)
            for x in list {
                guard case .number(let n) = x, n.value.isFinite else { return nil }
                out.append(n.value)
            }
            return out
        }
        var result = ChatResult()
        switch dialect {
        case .cohere:
            let lists = object[key: "embeddings"]?[key: "float"]?.arrayValue ?? object[key: "embeddings"]?.arrayValue
            result.embeddings = (lists ?? []).map { vector($0) ?? [] }
            result.inputTokens = object[key: "meta"]?[key: "billed_units"]?[key: "input_tokens"]?.intValue
        case .bedrock:
            if let one = vector(object[key: "embedding"]) {
                result.embeddings = [one]
            } else {
                result.embeddings = (object[key: "embeddings"]?.arrayValue ?? []).map { vector($0) ?? [] }
            }
            result.inputTokens = object[key: "inputTextTokenCount"]?.intValue
        case .gemini:
            let predictions = object[key: "predictions"]?.arrayValue ?? []
            result.embeddings = predictions.map { vector($0[key: "embeddings"]?[key: "values"]) ?? [] }
            let counts = predictions.compactMap {
                $0[key: "embeddings"]?[key: "statistics"]?[key: "token_count"]?.intValue
                    ?? $0[key: "embeddings"]?[key: "statistics"]?[key: "tokenCount"]?.intValue
            }
            result.inputTokens = counts.count == predictions.count ? counts.reduce(0, +) : nil
        case .openAI, .anthropic:
            let data = (object[key: "data"]?.arrayValue ?? []).sorted {
                ($0[key: "index"]?.intValue ?? 0) < ($1[key: "index"]?.intValue ?? 0)
            }
            result.embeddings = data.map { vector($0[key: "embedding"]) ?? [] }
            result.inputTokens = object[key: "usage"]?[key: "prompt_tokens"]?.intValue
        }
        guard !result.embeddings.isEmpty, result.embeddings.count == expected,
            result.embeddings.allSatisfy({ $0.count == result.embeddings[0].count })
        else {
            return .failure(
                ProviderError(
                    kind: .malformed, status: 200,
                    message: "\(result.embeddings.count) whole embeddings in the response for \(expected) inputs"))
        }
        result.outputTokens = 0
        return .success(result)
    }
}
