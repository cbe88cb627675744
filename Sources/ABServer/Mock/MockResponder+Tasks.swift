import ABCore
import Foundation
import Hummingbird
import NIOCore

/// The simulated completions and embeddings: OpenAI's `/v1/completions` and `/v1/embeddings`, Cohere's
/// `/v2/embed`, Bedrock's `InvokeModel` (Titan's and Cohere's embedding bodies) and Vertex AI's `:predict`, on
/// the same profiles (latency, errors, faults) as chat.
extension MockResponder {
    /// Vectors have this many dimensions: enough to look like one, small enough to move fast.
    static let embeddingDimensions = 256

    /// A unit vector determined by the model and the text: the same text embeds the same way every time.
    static func embedding(_ text: String, model: String) -> [Double] {
        var rng = SplitMix64(seed: StableHash.of(model + "\u{0}" + text))
        var v = (0..<embeddingDimensions).map { _ in rng.unit() * 2 - 1 }
        let norm = (v.reduce(0) { $0 + $1 * $1 }).squareRoot()
        if norm > 0 { v = v.map { ($0 / norm * 1e6).rounded() / 1e6 } }
        return v
    }

    static func vectorJSON(_ v: [Double]) -> JSONValue { .array(v.map { .number(JSONNumber($0)) }) }

    /// Latency, errors and faults of an embeddings call: the profile's first-token time is the whole wait.
    func embeddingPlan(model: String, texts: [String], wire: MockRequest.Wire) -> MockPlan {
        let request = MockRequest(
            wire: wire, model: model, inputText: texts.joined(separator: "\n"), prompt: texts.first ?? "",
            maxTokens: 1, stream: false)
        var plan = planner.plan(request, occurrence: occurrence(of: request))
        plan.tokens = [""]
        plan.inputTokens = texts.reduce(0) { $0 + max(1, TokenUsage.estimate(characters: $1.count)) }
        return plan
    }

    /// Waits out an error plan and answers it in `body`'s shape; nil when the plan has no error.
    func errorAnswer(_ plan: MockPlan, arrival: NIODeadline, channel: any Channel, body: (Int) -> String) async throws
        -> Response?
    {
        guard let status = plan.errorStatus else { return nil }
        try await sleep(until: arrival + Self.nanos(plan.ttft), on: channel.eventLoop)
        return json(status, body(status), extra: retryHeaders(plan))
    }

    // MARK: - OpenAI

    func openAIEmbeddings(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        guard let key = Self.bearerToken(request), !Self.isRefusedKey(key) else {
            return json(401, OpenAIWire.error(status: 401))
        }
        let body = try await request.body.collect(upTo: Self.maxBody)
        guard let o = (try? JSONParser.parse(utf8: Array(body.readableBytesView)))?.objectValue,
            let model = o["model"]?.stringValue
        else { return json(400, OpenAIWire.error(status: 400, message: "you must provide a model parameter")) }
        let texts: [String]
        switch o["input"] {
        case .string(let s)?: texts = [s]
        case .array(let l)? where !l.isEmpty && l.allSatisfy({ $0.stringValue != nil }):
            texts = l.compactMap(\.stringValue)
        default:
            return json(400, OpenAIWire.error(status: 400, message: "'input' is a required property", param: "input"))
        }
        let plan = embeddingPlan(model: model, texts: texts, wire: .openai)
        if let e = try await errorAnswer(
            plan, arrival: context.arrival, channel: context.channel, body: { OpenAIWire.error(status: $0) })
        {
            return e
        }
        let data: [JSONValue] = texts.enumerated().map { i, t in
            [
                "object": "embedding", "index": .number(JSONNumber(i)),
                "embedding": Self.vectorJSON(Self.embedding(t, model: model)),
            ]
        }
        let answer: JSONValue = [
            "object": "list", "data": .array(data), "model": .string(model),
            "usage": [
                "prompt_tokens": .number(JSONNumber(plan.inputTokens)),
                "total_tokens": .number(JSONNumber(plan.inputTokens)),
            ],
        ]
        return try await nonStreaming(
            plan: plan, arrival: context.arrival, channel: context.channel, requestID: "req_embed",
            body: answer.rendered(), requestIDHeader: "x-request-id")
    }

    func openAICompletions(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        guard let key = Self.bearerToken(request), !Self.isRefusedKey(key) else {
            return json(401, OpenAIWire.error(status: 401))
        }
        let body = try await request.body.collect(upTo: Self.maxBody)
        guard let o = (try? JSONParser.parse(utf8: Array(body.readableBytesView)))?.objectValue,
            let model = o["model"]?.stringValue, let prompt = o["prompt"]?.stringValue
        else {
            return json(400, OpenAIWire.error(status: 400, message: "'prompt' is a required property", param: "prompt"))
        }
        // A simulated judge is a chat model, and OpenAI's chat models refuse the legacy endpoint in these words.
        if planner.profiles.profile(for: model).style.isJudge {
            return json(
                404,
                OpenAIWire.error(
                    status: 404,
                    message: "This is a chat model and not supported in the v1/completions endpoint. "
                        + "Did you mean to use v1/chat/completions?"))
        }
        let stream = o["stream"] == .bool(true)
        let chat = MockRequest(
            wire: .openai, model: model, inputText: prompt, prompt: prompt, maxTokens: o["max_tokens"]?.intValue,
            stream: stream)
        let plan = planner.plan(chat, occurrence: occurrence(of: chat))
        if let e = try await errorAnswer(
            plan, arrival: context.arrival, channel: context.channel, body: { OpenAIWire.error(status: $0) })
        {
            return e
        }
        var rng = SplitMix64(seed: plan.idSeed)
        let id = "cmpl-" + Self.randomID(&rng, length: 29)
        let created = Int(Date().timeIntervalSince1970)
        let finish = plan.finishReason == .length ? "length" : "stop"
        let usage: JSONValue = [
            "prompt_tokens": .number(JSONNumber(plan.inputTokens)),
            "completion_tokens": .number(JSONNumber(plan.tokens.count)),
            "total_tokens": .number(JSONNumber(plan.inputTokens + plan.tokens.count)),
        ]
        @Sendable func chunk(_ text: String, finish: String?) -> String {
            let c: JSONValue = [
                "id": .string(id), "object": "text_completion", "created": .number(JSONNumber(created)),
                "model": .string(model),
                "choices": [
                    [
                        "index": 0, "text": .string(text), "logprobs": nil,
                        "finish_reason": finish.map(JSONValue.string) ?? nil,
                    ]
                ],
            ]
            return "data: " + c.rendered() + "\n\n"
        }
        guard stream else {
            let answer: JSONValue = [
                "id": .string(id), "object": "text_completion", "created": .number(JSONNumber(created)),
                "model": .string(model),
                "choices": [
                    ["index": 0, "text": .string(plan.text), "logprobs": nil, "finish_reason": .string(finish)]
                ],
                "usage": usage,
            ]
            return try await nonStreaming(
                plan: plan, arrival: context.arrival, channel: context.channel, requestID: id, body: answer.rendered(),
                requestIDHeader: "x-request-id")
        }
        let usageChunk: JSONValue = [
            "id": .string(id), "object": "text_completion", "created": .number(JSONNumber(created)),
            "model": .string(model),
            "choices": [], "usage": usage,
        ]
        return streamed(
            plan: plan, arrival: context.arrival, channel: context.channel,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"], start: [],
            token: { chunk(plan.tokens[$0], finish: nil) }, malformed: OpenAIWire.malformedChunk(id: id),
            end: [chunk("", finish: finish), "data: " + usageChunk.rendered() + "\n\n", OpenAIWire.done])
    }

    // MARK: - Cohere

    func cohereEmbed(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        guard let key = Self.bearerToken(request), !Self.isRefusedKey(key) else {
            return json(401, CohereWire.error("invalid api token", id: "x"))
        }
        let body = try await request.body.collect(upTo: Self.maxBody)
        guard let o = (try? JSONParser.parse(utf8: Array(body.readableBytesView)))?.objectValue,
            let model = o["model"]?.stringValue, let list = o["texts"]?.arrayValue, !list.isEmpty
        else { return json(400, CohereWire.error("invalid request: model and texts are required", id: "x")) }
        guard o["input_type"]?.stringValue != nil else {
            return json(
                400,
                CohereWire.error("invalid request: input_type is required for embed models v3 and higher.", id: "x"))
        }
        let texts = list.compactMap(\.stringValue)
        let plan = embeddingPlan(model: model, texts: texts, wire: .cohere)
        var rng = SplitMix64(seed: plan.idSeed)
        let id = Self.uuid(&rng)
        if let e = try await errorAnswer(
            plan, arrival: context.arrival, channel: context.channel,
            body: { CohereWire.error(CohereWire.errorMessage(status: $0), id: id) })
        {
            return e
        }
        let answer: JSONValue = [
            "id": .string(id),
            "embeddings": ["float": .array(texts.map { Self.vectorJSON(Self.embedding($0, model: model)) })],
            "texts": .array(texts.map(JSONValue.string)),
            "meta": [
                "api_version": ["version": "2"],
                "billed_units": ["input_tokens": .number(JSONNumber(plan.inputTokens))],
            ],
        ]
        return try await nonStreaming(
            plan: plan, arrival: context.arrival, channel: context.channel, requestID: id, body: answer.rendered(),
            requestIDHeader: "x-request-id")
    }

    // MARK: - Bedrock InvokeModel

    /// Titan's `{"inputText"}` → `{"embedding", "inputTextTokenCount"}`, Cohere's `{"texts", "input_type"}` →
    /// `{"embeddings", "texts"}`.
    func bedrockInvoke(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: Self.maxBody)
        let bytes = Array(body.readableBytesView)
        if let refusal = Self.sigV4Refusal(request, body: bytes) {
            return bedrockError(403, type: refusal.type, message: refusal.message, id: "x")
        }
        let segments = request.uri.path.split(separator: "/")
        let model = segments.count >= 2 ? String(segments[1]).removingPercentEncoding ?? String(segments[1]) : ""
        guard let o = (try? JSONParser.parse(utf8: bytes))?.objectValue else {
            return bedrockError(400, type: "ValidationException", message: "Malformed input request", id: "x")
        }
        let texts: [String]
        if let one = o["inputText"]?.stringValue {
            texts = [one]
        } else if let list = o["texts"]?.arrayValue, !list.isEmpty {
            texts = list.compactMap(\.stringValue)
        } else {
            return bedrockError(
                400, type: "ValidationException",
                message: "Malformed input request: #: required key [inputText] not found",
                id: "x")
        }
        let plan = embeddingPlan(model: model, texts: texts, wire: .bedrock)
        var rng = SplitMix64(seed: plan.idSeed)
        let id = Self.uuid(&rng)
        if let status = plan.errorStatus {
            try await sleep(until: context.arrival + Self.nanos(plan.ttft), on: context.channel.eventLoop)
            let e = BedrockWire.error(status: status)
            return bedrockError(status, type: e.type, message: e.message, id: id, extra: retryHeaders(plan))
        }
        let answer: JSONValue =
            o["inputText"] != nil
            ? [
                "embedding": Self.vectorJSON(Self.embedding(texts[0], model: model)),
                "inputTextTokenCount": .number(JSONNumber(plan.inputTokens)),
            ]
            : [
                "id": .string(id),
                "embeddings": .array(texts.map { Self.vectorJSON(Self.embedding($0, model: model)) }),
                "texts": .array(texts.map(JSONValue.string)), "response_type": "embeddings_floats",
            ]
        var counts = HTTPFields()
        counts[.init("x-amzn-bedrock-input-token-count")!] = String(plan.inputTokens)
        counts[.init("x-amzn-bedrock-output-token-count")!] = "0"
        return try await nonStreaming(
            plan: plan, arrival: context.arrival, channel: context.channel, requestID: id, body: answer.rendered(),
            requestIDHeader: "x-amzn-requestid", extra: counts)
    }

    // MARK: - Vertex AI

    /// `:predict` with `{"instances": [{"content"}]}` → `{"predictions": [{"embeddings": {"values", "statistics"}}]}`.
    func vertexPredict(_ request: Request, _ context: MockRequestContext, model: String) async throws -> Response {
        let body = try await request.body.collect(upTo: Self.maxBody)
        guard let o = (try? JSONParser.parse(utf8: Array(body.readableBytesView)))?.objectValue,
            let instances = o["instances"]?.arrayValue, !instances.isEmpty
        else { return json(400, GeminiWire.error(status: 400, message: "instances is required")) }
        let texts = instances.compactMap { $0[key: "content"]?.stringValue }
        guard texts.count == instances.count else {
            return json(400, GeminiWire.error(status: 400, message: "every instance needs a content"))
        }
        let plan = embeddingPlan(model: model, texts: texts, wire: .gemini)
        if let e = try await errorAnswer(
            plan, arrival: context.arrival, channel: context.channel, body: { GeminiWire.error(status: $0) })
        {
            return e
        }
        let predictions: [JSONValue] = texts.map { t in
            [
                "embeddings": [
                    "values": Self.vectorJSON(Self.embedding(t, model: model)),
                    "statistics": [
                        "token_count": .number(JSONNumber(max(1, TokenUsage.estimate(characters: t.count)))),
                        "truncated": false,
                    ],
                ]
            ]
        }
        let answer: JSONValue = [
            "predictions": .array(predictions),
            "metadata": ["billableCharacterCount": .number(JSONNumber(texts.reduce(0) { $0 + $1.count }))],
        ]
        return try await nonStreaming(
            plan: plan, arrival: context.arrival, channel: context.channel, requestID: "predict",
            body: answer.rendered(),
            requestIDHeader: "x-request-id")
    }
}
