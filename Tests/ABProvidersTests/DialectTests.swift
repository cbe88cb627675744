import ABCore
import ABProviders
import Foundation
import Testing

/// The Gemini, Bedrock and Cohere wires, and tool calls and JSON answers on every wire, checked as bytes: what
/// goes out in each provider's words, and what comes back read the same way whatever the provider.
@Suite struct DialectTests {
    static func wire(
        _ provider: String, _ block: String, model: String = "m", env: [String: String] = [:], abtop: String = "{}"
    ) throws -> WireFormat {
        let text = """
            {"served_entities": [{"name": "e", "external_model": {"name": "\(model)", "provider": "\(provider)",
              "task": "llm/v1/chat", \(block)}}], "abtop": \(abtop)}
            """
        let o = EndpointConfigReader.read(text: text, defaultName: "t")
        let config = try #require(o.config, "\(o.issues)")
        let r = config.resolve(with: SecretResolver(environment: env))
        return WireFormat(r[0], defaults: config.settings.request, arm: config.settings.entities["e"] ?? .init())
    }

    static func json(_ spec: HTTPRequestSpec) throws -> JSONValue { try JSONParser.parse(utf8: spec.body) }

    static let weather = ToolDefinition(
        name: "get_weather", description: "Weather",
        parameters: ["type": "object", "properties": ["city": ["type": "string"]], "additionalProperties": false])
    static let call = ToolCall(id: "call_9", name: "get_weather", arguments: #"{"city":"Oslo"}"#)
    /// A conversation with a call and its result.
    static let conversation = ChatRequest(
        messages: [
            .system("Be brief."), .user("Weather in Oslo?"),
            ChatMessage(role: .assistant, content: "", toolCalls: [call]),
            ChatMessage(role: .tool, content: #"{"temp": 3}"#, toolCallID: "call_9"),
        ], maxTokens: 40, temperature: 0.1, stream: false, stop: ["END"], topP: 0.5, tools: [weather],
        toolChoice: .function("get_weather"))

    static let keyFile = GoogleOAuth.makeKeyFile(
        clientEmail: "a@b.iam.gserviceaccount.com", tokenURI: "http://127.0.0.1:1/token")

    @Test func geminiSaysItInGeminisWords() throws {
        let w = try Self.wire(
            "google-cloud-vertex-ai",
            #""google_cloud_vertex_ai_config": {"project_id": "proj-1", "region": "europe-west4", "private_key_plaintext": \#(JSONValue.quoted(Self.keyFile))}"#,
            model: "gemini-1.5-pro")
        #expect(w.serviceAccount?.clientEmail == "a@b.iam.gserviceaccount.com")
        let spec = w.request(Self.conversation, accessToken: SecretValue("ya29.token"))
        #expect(
            spec.url
                == "https://europe-west4-aiplatform.googleapis.com/v1/projects/proj-1/locations/europe-west4/publishers/google/models/gemini-1.5-pro:generateContent"
        )
        #expect(spec.header("Authorization")?.exposedForTransport() == "Bearer ya29.token")
        #expect(!"\(spec.headers)".contains("ya29.token"))
        let b = try Self.json(spec)
        #expect(b[key: "systemInstruction"]?[key: "parts"]?[index: 0]?[key: "text"] == "Be brief.")
        let contents = try #require(b[key: "contents"]?.arrayValue)
        #expect(contents.map { $0[key: "role"]?.stringValue } == ["user", "model", "user"])
        #expect(contents[1][key: "parts"]?[index: 0]?[key: "functionCall"]?[key: "args"]?[key: "city"] == "Oslo")
        // A result names its function, found from the call it answers.
        #expect(contents[2][key: "parts"]?[index: 0]?[key: "functionResponse"]?[key: "name"] == "get_weather")
        #expect(contents[2][key: "parts"]?[index: 0]?[key: "functionResponse"]?[key: "response"]?[key: "temp"] == 3)
        let config = b[key: "generationConfig"]
        #expect(
            config?[key: "maxOutputTokens"] == 40 && config?[key: "topP"] == 0.5
                && config?[key: "stopSequences"] == ["END"])
        let declaration = b[key: "tools"]?[index: 0]?[key: "functionDeclarations"]?[index: 0]
        #expect(declaration?[key: "name"] == "get_weather")
        // Gemini refuses members of JSON Schema it does not know.
        #expect(declaration?[key: "parameters"]?[key: "additionalProperties"] == nil)
        #expect(
            b[key: "toolConfig"]?[key: "functionCallingConfig"]
                == ["mode": "ANY", "allowedFunctionNames": ["get_weather"]])
        var streamed = Self.conversation
        streamed.stream = true
        streamed.responseFormat = .jsonSchema(
            name: "w", schema: ["type": "object", "additionalProperties": false], strict: true)
        let s = w.request(streamed, accessToken: SecretValue("t"))
        #expect(s.url.hasSuffix(":streamGenerateContent?alt=sse"))
        #expect(try Self.json(s)[key: "generationConfig"]?[key: "responseMimeType"] == "application/json")
        #expect(try Self.json(s)[key: "generationConfig"]?[key: "responseSchema"] == ["type": "object"])
    }

    @Test func bedrockIsSignedAndSaysItInConversesWords() throws {
        let w = try Self.wire(
            "amazon-bedrock",
            #""amazon_bedrock_config": {"aws_region": "eu-west-1", "aws_access_key_id_plaintext": "AKIDTEST", "aws_secret_access_key_plaintext": "s3cr3t", "bedrock_provider": "anthropic"}"#,
            model: "anthropic.claude-3-5-sonnet-20240620-v1:0")
        let spec = w.request(Self.conversation, date: Date(timeIntervalSince1970: 1_440_938_160))
        #expect(
            spec.url
                == "https://bedrock-runtime.eu-west-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"
        )
        #expect(spec.header("X-Amz-Date") == .plain("20150830T123600Z"))
        let auth = try #require(spec.header("Authorization")?.exposedForTransport())
        #expect(auth.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDTEST/20150830/eu-west-1/bedrock/aws4_request, "))
        #expect(auth.contains("SignedHeaders=content-type;host;x-amz-date, Signature="))
        #expect(!"\(spec.headers)".contains("AKIDTEST") && spec.headerSetID == nil)
        let b = try Self.json(spec)
        #expect(b[key: "system"] == [["text": "Be brief."]])
        let messages = try #require(b[key: "messages"]?.arrayValue)
        #expect(messages.map { $0[key: "role"]?.stringValue } == ["user", "assistant", "user"])
        #expect(messages[1][key: "content"]?[index: 0]?[key: "toolUse"]?[key: "input"]?[key: "city"] == "Oslo")
        #expect(messages[2][key: "content"]?[index: 0]?[key: "toolResult"]?[key: "toolUseId"] == "call_9")
        #expect(
            b[key: "inferenceConfig"] == ["maxTokens": 40, "temperature": 0.1, "topP": 0.5, "stopSequences": ["END"]])
        #expect(b[key: "toolConfig"]?[key: "toolChoice"] == ["tool": ["name": "get_weather"]])
        #expect(
            b[key: "toolConfig"]?[key: "tools"]?[index: 0]?[key: "toolSpec"]?[key: "inputSchema"]?[key: "json"]?[
                key: "type"] == "object")
        var streamed = Self.conversation
        streamed.stream = true
        let s = w.request(streamed)
        #expect(
            s.url.hasSuffix("/converse-stream") && s.header("Accept") == .plain("application/vnd.amazon.eventstream"))
    }

    @Test func bedrockStreamsAreReadFromEventStreamFramesSplitAnywhere() throws {
        func frame(_ type: String, _ payload: String) -> [UInt8] {
            AWSEventStream.encode(
                headers: [(":event-type", type), (":content-type", "application/json"), (":message-type", "event")],
                payload: Array(payload.utf8))
        }
        let bytes =
            frame("messageStart", #"{"role":"assistant","p":"abc"}"#)
            + frame("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"Hel"},"p":"x"}"#)
            + frame("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"text":"lo"}}"#)
            + frame("contentBlockStop", #"{"contentBlockIndex":0}"#)
            + frame(
                "contentBlockStart",
                #"{"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"t1","name":"get_weather"}}}"#)
            + frame("contentBlockDelta", #"{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"city\":"}}}"#)
            + frame("contentBlockDelta", #"{"contentBlockIndex":1,"delta":{"toolUse":{"input":"\"Oslo\"}"}}}"#)
            + frame("messageStop", #"{"stopReason":"tool_use"}"#)
            + frame(
                "metadata", #"{"usage":{"inputTokens":9,"outputTokens":4,"totalTokens":13},"metrics":{"latencyMs":5}}"#)
        for split in [1, 7, bytes.count] {
            var d = StreamDecoder(dialect: .bedrock)
            var steps: [StreamDecoder.Step] = []
            var i = 0
            while i < bytes.count {
                steps += d.feed(bytes[i..<min(bytes.count, i + split)])
                i += split
            }
            let r = try d.finish().get()
            #expect(r.text == "Hello" && r.finishReason == "tool_use" && r.inputTokens == 9 && r.outputTokens == 4)
            #expect(r.toolCalls == [ToolCall(id: "t1", name: "get_weather", arguments: #"{"city":"Oslo"}"#)])
            #expect(steps.last == .end)
        }
        // A frame that fails its checksum ends the stream as malformed; an exception frame is the provider's error.
        var corrupt = frame("contentBlockDelta", #"{"delta":{"text":"x"}}"#)
        corrupt[corrupt.count - 6] ^= 0xFF
        var d = StreamDecoder(dialect: .bedrock)
        #expect(d.feed(corrupt).contains { if case .failure(let e) = $0 { e.kind == .malformed } else { false } })
        let exception = AWSEventStream.encode(
            headers: [(":exception-type", "throttlingException"), (":message-type", "exception")],
            payload: Array(#"{"message":"Too many requests"}"#.utf8))
        var t = StreamDecoder(dialect: .bedrock)
        #expect(t.feed(exception).contains { if case .failure(let e) = $0 { e.kind == .rateLimited } else { false } })
        // A prelude claiming more than the event limit is refused before anything is buffered.
        var big = StreamDecoder(dialect: .bedrock, limits: .init(eventBytes: 1024))
        #expect(
            big.feed(frame("contentBlockDelta", String(repeating: "x", count: 2000))).contains {
                if case .failure(let e) = $0 { e.kind == .tooLarge } else { false }
            })
    }

    @Test func cohereSaysItInCoheresWordsAndStreamsToolCalls() throws {
        let w = try Self.wire("cohere", #""cohere_config": {"cohere_api_key_plaintext": "co-key"}"#, model: "command-r")
        var request = Self.conversation
        request.tools.append(ToolDefinition(name: "other"))
        request.responseFormat = .jsonSchema(name: "x", schema: ["type": "object"], strict: nil)
        let spec = w.request(request)
        #expect(
            spec.url == "https://api.cohere.com/v2/chat"
                && spec.header("Authorization")?.exposedForTransport() == "Bearer co-key")
        let b = try Self.json(spec)
        #expect(b[key: "p"] == 0.5 && b[key: "stop_sequences"] == ["END"] && b[key: "tool_choice"] == "REQUIRED")
        // A named choice keeps only that tool (Cohere's choice has no name).
        #expect(b[key: "tools"]?.arrayValue?.count == 1)
        #expect(b[key: "response_format"] == ["type": "json_object", "json_schema": ["type": "object"]])
        let messages = try #require(b[key: "messages"]?.arrayValue)
        #expect(messages.map { $0[key: "role"]?.stringValue } == ["system", "user", "assistant", "tool"])
        #expect(messages[3][key: "tool_call_id"] == "call_9")
        let stream = """
            event: message-start\ndata: {"type":"message-start","id":"x","delta":{"message":{"role":"assistant"}}}\n
            event: tool-call-start\ndata: {"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"c1","type":"function","function":{"name":"get_weather","arguments":""}}}}}\n
            event: tool-call-delta\ndata: {"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"{\\"city\\":\\"Oslo\\"}"}}}}}\n
            event: tool-call-end\ndata: {"type":"tool-call-end","index":0}\n
            event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"TOOL_CALL","usage":{"tokens":{"input_tokens":7,"output_tokens":3}}}}\n\n
            """
        var d = w.makeStreamDecoder()
        _ = d.feed(Array(stream.utf8))
        let r = try d.finish().get()
        #expect(r.toolCalls == [ToolCall(id: "c1", name: "get_weather", arguments: #"{"city":"Oslo"}"#)])
        #expect(r.finishReason == "TOOL_CALL" && r.inputTokens == 7 && r.outputTokens == 3)
    }

    @Test func anthropicCarriesCallsAsBlocksAndJSONAsAForcedTool() throws {
        let w = try Self.wire("anthropic", #""anthropic_config": {"anthropic_api_key_plaintext": "k"}"#)
        let b = try Self.json(w.request(Self.conversation))
        let messages = try #require(b[key: "messages"]?.arrayValue)
        #expect(
            messages[1][key: "content"]?[index: 0] == [
                "type": "tool_use", "id": "call_9", "name": "get_weather", "input": ["city": "Oslo"],
            ])
        #expect(messages[2][key: "content"]?[index: 0]?[key: "type"] == "tool_result")
        #expect(b[key: "tool_choice"] == ["type": "tool", "name": "get_weather"])
        var json = ChatRequest(messages: [.user("a film")], stream: true)
        json.responseFormat = .jsonSchema(
            name: "film", schema: ["type": "object", "properties": ["title": ["type": "string"]]], strict: true)
        let jb = try Self.json(w.request(json))
        #expect(jb[key: "tool_choice"] == ["type": "tool", "name": "json_response"])
        #expect(jb[key: "tools"]?[index: 0]?[key: "input_schema"]?[key: "properties"]?[key: "title"] != nil)
        // The forced call's input is the answer's text, streamed as text.
        let stream = """
            event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":5}}}\n
            event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"json_response","input":{}}}\n
            event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"title\\":"}}\n
            event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"\\"Heat\\"}"}}\n
            event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":4}}\n
            event: message_stop\ndata: {"type":"message_stop"}\n\n
            """
        var d = w.makeStreamDecoder(for: json)
        let steps = d.feed(Array(stream.utf8))
        #expect(steps.contains(.content(#"{"title":"#)))
        let r = try d.finish().get()
        #expect(r.text == #"{"title":"Heat"}"# && r.toolCalls.isEmpty)
    }

    @Test func anArmsSettingsShapeEveryRequestItSends() throws {
        let w = try Self.wire(
            "openai", #""openai_config": {"openai_api_key_plaintext": "k"}"#,
            abtop:
                #"{"request": {"temperature": 0.9}, "entities": {"e": {"system_prompt": "Answer in French.", "prompt_template": "Question: {{prompt}}", "temperature": 0, "max_tokens": 12, "extra_params": {"seed": 3}}}}"#
        )
        let b = try Self.json(
            w.request(
                ChatRequest(
                    messages: [.system("Caller's own."), .user("Why?")], maxTokens: 99, temperature: 1.5, stream: false)
            ))
        #expect(
            b[key: "messages"]
                == [
                    ["role": "system", "content": "Answer in French."], ["role": "system", "content": "Caller's own."],
                    ["role": "user", "content": "Question: Why?"],
                ])
        // The arm is what is tested: its values win over the caller's and the endpoint's.
        if case .number(let t)? = b[key: "temperature"] {
            #expect(t.value == 0)
        } else {
            Issue.record("no temperature")
        }
        #expect(b[key: "max_completion_tokens"]?.intValue == 12 && b[key: "seed"]?.intValue == 3)
    }

    /// One vector per text, all whole, or the answer is malformed (a gap would shift vectors onto other texts).
    @Test func embeddingsMustComeOneWholeVectorPerText() throws {
        let w = try Self.wire("openai", #""openai_config": {"openai_api_key_plaintext": "k"}"#)
        var chat = ChatRequest(messages: [.user("a\nb")], stream: false)
        chat.task = .embeddings
        chat.inputs = ["a", "b"]
        let spec = w.request(chat)
        let sent = try Self.json(spec)
        #expect(spec.url.hasSuffix("/embeddings") && sent[key: "input"] == ["a", "b"])
        let good =
            #"{"data": [{"index": 1, "embedding": [0.3, 0.4]}, {"index": 0, "embedding": [0.1, 0.2]}], "usage": {"prompt_tokens": 2}}"#
        let r = try w.decode(body: Array(good.utf8), for: chat).get()
        #expect(r.embeddings == [[0.1, 0.2], [0.3, 0.4]] && r.inputTokens == 2 && r.outputTokens == 0)
        for bad in [
            #"{"data": [{"index": 0, "embedding": [0.1, 0.2]}]}"#,
            #"{"data": [{"index": 0, "embedding": [0.1, 0.2]}, {"index": 1, "embedding": null}]}"#,
            #"{"data": [{"index": 0, "embedding": [0.1, 0.2]}, {"index": 1, "embedding": [0.3]}]}"#,
        ] {
            guard case .failure(let e) = w.decode(body: Array(bad.utf8), for: chat) else {
                Issue.record("accepted \(bad)")
                continue
            }
            #expect(e.kind == .malformed)
        }
    }
}
