import ABCore
import ABProviders
import Foundation

/// The `llm/v1/completions` and `llm/v1/embeddings` request bodies, as Databricks' invocations and OpenAI's
/// `/v1/completions` and `/v1/embeddings` take them.
enum TaskParsers {
    /// `{"prompt": "…", "max_tokens", "temperature", "top_p", "stop", "stream"}`: read as a chat request whose one
    /// user turn is the prompt, so every parameter is checked the same way.
    static func completions(_ body: [UInt8], id: String, sessionKey: String?) -> Result<
        InvocationParser.Parsed, ServingError
    > {
        guard var object = (try? JSONParser.parse(utf8: body))?.objectValue else {
            return .failure(.badRequest("the request body must be a JSON object: {\"prompt\": \"...\"}"))
        }
        let prompt: String
        switch object["prompt"] {
        case .string(let s)?: prompt = s
        case .array(let list)? where list.count == 1 && list[0].stringValue != nil: prompt = list[0].stringValue!
        case .array?: return .failure(.badRequest("prompt: abtop completes one prompt per request"))
        default:
            if object["messages"] != nil {
                return .failure(
                    .badRequest("this endpoint serves llm/v1/completions: send \"prompt\", not \"messages\""))
            }
            return .failure(.badRequest("missing required field \"prompt\": the text to complete"))
        }
        guard !prompt.isEmpty else { return .failure(.badRequest("prompt must not be empty")) }
        for key in ["tools", "tool_choice", "response_format", "messages"] where object[key] != nil {
            return .failure(.badRequest("\"\(key)\" is a chat parameter; a completions endpoint takes a prompt"))
        }
        object["prompt"] = nil
        object["messages"] = [["role": "user", "content": .string(prompt)]]
        return InvocationParser.parse(Array(JSONValue.object(object).rendered().utf8), id: id, sessionKey: sessionKey)
    }

    /// At most this many texts per request (OpenAI's own limit).
    static let maxInputs = 2048

    /// `{"input": "…" | ["…", …], "encoding_format": "float"}`.
    static func embeddings(_ body: [UInt8], id: String, sessionKey: String?) -> Result<
        InvocationParser.Parsed, ServingError
    > {
        guard let object = (try? JSONParser.parse(utf8: body))?.objectValue else {
            return .failure(.badRequest("the request body must be a JSON object: {\"input\": [\"...\"]}"))
        }
        var inputs: [String] = []
        switch object["input"] {
        case .string(let s)?: inputs = [s]
        case .array(let list)? where !list.isEmpty && list.allSatisfy({ $0.stringValue != nil }):
            inputs = list.compactMap(\.stringValue)
        case .array?:
            return .failure(
                .badRequest("input must be a string or a non-empty list of strings (token arrays are not taken)"))
        default:
            if object["messages"] != nil || object["prompt"] != nil {
                return .failure(.badRequest("this endpoint serves llm/v1/embeddings: send \"input\""))
            }
            return .failure(.badRequest("missing required field \"input\": a text or a list of texts"))
        }
        guard inputs.count <= maxInputs else { return .failure(.badRequest("at most \(maxInputs) inputs per request")) }
        guard inputs.allSatisfy({ !$0.isEmpty }) else { return .failure(.badRequest("an input is empty")) }
        if let format = object["encoding_format"], format != "float", format != "base64" {
            return .failure(.badRequest("encoding_format must be \"float\" or \"base64\""))
        }
        for key in object.keys where !["input", "model", "encoding_format", "user"].contains(key) {
            return .failure(
                .badRequest("\"\(key)\" is not supported for embeddings: abtop reads input, model, encoding_format"))
        }
        var parameters = RequestOverrides(stream: false)
        parameters.inputs = inputs
        // The journal's prompt: the inputs, one a line.
        var invocation = Invocation(
            id: id, messages: [.user(inputs.joined(separator: "\n"))], parameters: parameters, sessionKey: sessionKey)
        invocation.base64Embeddings = object["encoding_format"] == "base64"
        return .success(InvocationParser.Parsed(invocation: invocation, model: object["model"]?.stringValue))
    }
}

/// Answers of the completions and embeddings tasks, in OpenAI's shapes (which Databricks' endpoints return).
enum TaskWire {
    static func completion(_ h: ChatCompletionWire.Header, _ r: InvocationResult) -> String {
        let body: JSONValue = [
            "id": .string(completionID(h.id)), "object": "text_completion", "created": .number(JSONNumber(h.created)),
            "model": .string(h.model),
            "choices": [
                [
                    "index": 0, "text": .string(r.text), "logprobs": nil,
                    "finish_reason": .string(FinishReason.openAI(r.finishReason, calledTools: false)),
                ]
            ],
            "usage": usage(r.inputTokens, r.outputTokens),
        ]
        return body.rendered()
    }

    /// A vector as OpenAI's `base64` encoding has it: little-endian float32s.
    static func float32Base64(_ v: [Double]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(v.count * 4)
        for x in v {
            let bits = Float(x).bitPattern.littleEndian
            bytes += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
        }
        return Data(bytes).base64EncodedString()
    }

    /// `cmpl-…`, OpenAI's prefix for completions, from the request's `chatcmpl-…` id.
    static func completionID(_ id: String) -> String {
        id.hasPrefix("chatcmpl-") ? "cmpl-" + id.dropFirst("chatcmpl-".count) : id
    }

    static func usage(_ input: Int, _ output: Int) -> JSONValue {
        [
            "prompt_tokens": .number(JSONNumber(input)), "completion_tokens": .number(JSONNumber(output)),
            "total_tokens": .number(JSONNumber(input + output)),
        ]
    }

    static func embeddings(model: String, _ r: InvocationResult, base64: Bool) -> String {
        let data: [JSONValue] = r.embeddings.enumerated().map { i, v in
            [
                "object": "embedding", "index": .number(JSONNumber(i)),
                "embedding": base64 ? .string(float32Base64(v)) : .array(v.map { .number(JSONNumber($0)) }),
            ]
        }
        let body: JSONValue = [
            "object": "list", "data": .array(data), "model": .string(model),
            "usage": [
                "prompt_tokens": .number(JSONNumber(r.inputTokens)), "total_tokens": .number(JSONNumber(r.inputTokens)),
            ],
        ]
        return body.rendered()
    }

    /// A streamed completion: `text_completion` chunks ending `data: [DONE]`.
    struct CompletionStream: StreamWriter {
        let header: ChatCompletionWire.Header

        func chunk(_ text: String, finish: String?) -> String {
            let body: JSONValue = [
                "id": .string(completionID(header.id)), "object": "text_completion",
                "created": .number(JSONNumber(header.created)), "model": .string(header.model),
                "choices": [
                    [
                        "index": 0, "text": .string(text), "logprobs": nil,
                        "finish_reason": finish.map(JSONValue.string) ?? nil,
                    ]
                ],
            ]
            return "data: " + body.rendered() + "\n\n"
        }

        mutating func start() -> String { "" }
        mutating func content(_ text: String) -> String { chunk(text, finish: nil) }
        mutating func toolCall(_ delta: ToolCallDelta) -> String { "" }
        mutating func end(_ r: InvocationResult) -> String {
            let usage: JSONValue = [
                "id": .string(completionID(header.id)), "object": "text_completion",
                "created": .number(JSONNumber(header.created)),
                "model": .string(header.model), "choices": [], "usage": TaskWire.usage(r.inputTokens, r.outputTokens),
            ]
            return chunk("", finish: FinishReason.openAI(r.finishReason, calledTools: false)) + "data: "
                + usage.rendered() + "\n\n" + ChatCompletionWire.done
        }
        func failure(_ e: ServingError) -> String { ChatCompletionWire.errorChunk(code: e.code, message: e.message) }
    }
}
