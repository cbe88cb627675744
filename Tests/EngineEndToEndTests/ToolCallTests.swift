import ABCore
import ABEngine
import ABProviders
import Foundation
import Testing

@testable import ABServer

/// Tool calls and JSON answers through the engine, against every simulated provider on its own wire: the
/// request is translated out, the call (or the JSON) comes back the same whatever the provider.
@Suite struct ToolCallTests {
    static let weather = ToolDefinition(
        name: "get_weather", description: "Current weather",
        parameters: [
            "type": "object",
            "properties": ["city": ["type": "string"], "unit": ["type": "string", "enum": ["c", "f"]]],
            "required": ["city"],
        ])

    @Test(arguments: EngineHarness.providers, [true, false])
    func aToolCallComesBackFromEveryProvider(provider: String, stream: Bool) async throws {
        let h = try await EngineHarness.start(
            entities: [("e", provider, "m")], profiles: [:],
            abtop: #"{"request": {"stream": \#(stream)}, "retries": {"max": 0}}"#)
        let relay = CollectingRelay()
        let records = await h.engine.servedRecords(
            prompt("weather in Paris"), overrides: RequestOverrides(stream: stream, tools: [Self.weather]),
            relay: stream ? relay : nil)
        await h.stop()
        let r = try #require(records.first)
        #expect(r.outcome.error == nil, "\(provider): \(r.errorMessage ?? "")")
        let call = try #require(r.toolCalls.first, "\(provider): \(r.output)")
        #expect(call.name == "get_weather" && !call.id.isEmpty)
        let args = try #require(try JSONParser.parse(call.arguments).objectValue, "\(call.arguments)")
        #expect(args["city"]?.stringValue?.isEmpty == false && args["unit"] == "c")
        // The journal's and the side-by-side pane's text shows the call as a call.
        #expect(r.output.hasSuffix("→ get_weather(\(call.arguments))"))
        if stream {
            let deltas = relay.calls.withLock { $0 }
            #expect(deltas.first?.name == "get_weather")
            #expect(deltas.map(\.arguments).joined() == call.arguments)
            #expect(r.outcome.timing.firstToken != nil)
        }
    }

    /// The tool's result goes back in each provider's words, and the model answers in text.
    @Test(arguments: EngineHarness.providers)
    func aToolResultGetsAnAnswer(provider: String) async throws {
        let h = try await EngineHarness.start(entities: [("e", provider, "m")], profiles: [:])
        let call = ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)
        let messages = [
            ChatMessage.user("weather in Paris"), ChatMessage(role: .assistant, content: "", toolCalls: [call]),
            ChatMessage(role: .tool, content: #"{"temp": 21}"#, toolCallID: "call_1"),
        ]
        let records = await h.engine.servedRecords(
            PromptItem(id: "p", messages: messages), overrides: RequestOverrides(tools: [Self.weather]), relay: nil)
        await h.stop()
        let r = try #require(records.first)
        #expect(r.outcome.error == nil, "\(provider): \(r.errorMessage ?? "")")
        #expect(r.toolCalls.isEmpty && !r.output.isEmpty, "\(provider): \(r.output)")
    }

    /// A JSON Schema answer: native on OpenAI, Gemini and Cohere; a forced tool call read back as text on
    /// Anthropic and Bedrock.
    @Test(arguments: EngineHarness.providers, [true, false])
    func aStructuredAnswerIsJSONFromEveryProvider(provider: String, stream: Bool) async throws {
        let h = try await EngineHarness.start(
            entities: [("e", provider, "m")], profiles: [:], abtop: #"{"request": {"stream": \#(stream)}}"#)
        let schema: JSONValue = [
            "type": "object", "properties": ["title": ["type": "string"], "year": ["type": "integer"]],
            "required": ["title", "year"],
        ]
        let records = await h.engine.servedRecords(
            prompt("name a film"),
            overrides: RequestOverrides(
                stream: stream, responseFormat: .jsonSchema(name: "film", schema: schema, strict: true)),
            relay: nil)
        await h.stop()
        let r = try #require(records.first)
        #expect(r.outcome.error == nil, "\(provider): \(r.errorMessage ?? "")")
        #expect(r.toolCalls.isEmpty, "\(provider): \(r.toolCalls)")
        let object = try #require(try JSONParser.parse(r.output).objectValue, "\(provider): \(r.output)")
        #expect(object["title"]?.stringValue != nil && object["year"]?.intValue == 42)
    }

    /// Arms that differ only by their system prompt: the same model, two columns of different answers.
    @Test func armsWithTwoSystemPromptsAnswerDifferently() async throws {
        let h = try await EngineHarness.start(
            entities: [("v1", "openai", "gpt-4o-mini"), ("v2", "openai", "gpt-4o-mini")], profiles: [:],
            abtop: #"""
                {"entities": {"v1": {"system_prompt": "Answer in full sentences."},
                              "v2": {"system_prompt": "Answer in bullet points.", "prompt_template": "Q: {{prompt}}"}}}
                """#, mode: .compare)
        var differing = 0
        for i in 0..<5 {
            let records = await h.engine.send(prompt("How do tides work? \(i)", id: "p\(i)"))
            #expect(records.count == 2 && records.allSatisfy { $0.outcome.error == nil })
            if records.count == 2, records[0].output != records[1].output { differing += 1 }
        }
        await h.stop()
        #expect(differing == 5)
    }
}

/// A prompt file line with tools and an expectation, in compare mode against two providers: both calls are
/// checked, the counts reach the stats.
@Suite struct ExpectedAnswerTests {
    @Test func comparedCallsAreCheckedAgainstThePromptsExpectation() async throws {
        let h = try await EngineHarness.start(
            entities: [("oa", "openai", "m"), ("ge", "google-cloud-vertex-ai", "gemini-x")], profiles: [:],
            mode: .compare)
        let line = #"""
            {"prompt": "weather in Paris", "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"unit": {"type": "string", "enum": ["c", "f"]}}}}}], "tool_choice": "required", "expect": {"tool": "get_weather", "arguments": {"unit": "c"}}}
            {"prompt": "weather in Rome", "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"unit": {"type": "string", "enum": ["c", "f"]}}}}}], "expect": {"tool": "get_weather", "arguments": {"unit": "f"}}}
            """#
        let items = try PromptFile.parse(line, format: .jsonl, file: "t.jsonl")
        #expect(items[0].tools.count == 1 && items[0].toolChoice == .required && items[0].expect?.tool == "get_weather")
        let first = await h.engine.send(items[0])
        let second = await h.engine.send(items[1])
        let snapshot = h.session.snapshot()
        await h.stop()
        #expect(first.count == 2 && first.allSatisfy { $0.check?.passed == true }, "\(first.map(\.check))")
        #expect(
            second.allSatisfy { $0.check == Expectation.Check(passed: false, reason: #"get_weather.unit is not "f""#) })
        #expect(snapshot.entities.map(\.checks) == [CheckTally(run: 2, passed: 1), CheckTally(run: 2, passed: 1)])
    }
}
