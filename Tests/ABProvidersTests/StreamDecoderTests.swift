import ABCore
import ABProviders
import Testing

@Suite struct StreamDecoderTests {
    @Test func openAIStreamGivesTextUsageAndEnd() throws {
        var d = StreamDecoder(dialect: .openAI)
        let steps = d.feed(Array(openAIStream.utf8))
        #expect(steps.filter { if case .content = $0 { true } else { false } } == [.content("Hel"), .content("lo ✓")])
        #expect(steps.last == .end)
        let r = try d.finish().get()
        #expect(r.text == "Hello ✓" && r.finishReason == "stop" && r.inputTokens == 9 && r.outputTokens == 2)
    }

    @Test func anthropicStreamGivesTextUsageAndEnd() throws {
        var d = StreamDecoder(dialect: .anthropic)
        _ = d.feed(Array(anthropicStream.utf8))
        let r = try d.finish().get()
        #expect(r.text == "Bonjour" && r.finishReason == "end_turn" && r.inputTokens == 12 && r.outputTokens == 2)
    }

    @Test func aStreamWithoutItsTerminalEventIsBroken() {
        for (dialect, stream, terminal) in [
            (WireFormat.Dialect.openAI, openAIStream, "data: [DONE]"),
            (.anthropic, anthropicStream, "event: message_stop"),
        ] {
            var d = StreamDecoder(dialect: dialect)
            let cut = String(stream[..<stream.range(of: terminal)!.lowerBound])
            _ = d.feed(Array(cut.utf8))
            guard case .failure(let e) = d.finish() else {
                Issue.record("\(dialect): a cut stream passed as complete")
                continue
            }
            #expect(e.kind == .streamBroken)
            #expect(d.result.text.isEmpty == false)
        }
    }

    @Test func malformedAndErrorEvents() {
        var d = StreamDecoder(dialect: .openAI)
        let steps = d.feed(Array("data: {\"choices\": [\n\n".utf8))
        #expect(steps.count == 1)
        if case .failure(let e) = steps[0] { #expect(e.kind == .malformed) } else { Issue.record("not a failure") }
        var a = StreamDecoder(dialect: .anthropic)
        let overloaded = a.feed(
            Array(
                "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
                    .utf8))
        #expect(overloaded == [.failure(ProviderError(kind: .overloaded, status: 200, message: "Overloaded"))])
    }
}
