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

    /// A relay's decoder stops at the first token and reads the rest of the burst later: the same steps, in the
    /// same order, whether the rest comes with the next bytes or is read once the transfer ended.
    @Test func aRelayGetsItsFirstTokenBeforeTheRestOfTheBurstIsRead() throws {
        for stream in [openAIStream, anthropicStream] {
            let dialect: WireFormat.Dialect = stream == openAIStream ? .openAI : .anthropic
            var whole = StreamDecoder(dialect: dialect)
            let all = whole.feed(Array(stream.utf8))
            var d = StreamDecoder(dialect: dialect)
            let first = d.feed(Array(stream.utf8), stoppingAtContent: true)
            #expect(first.last?.carriesContent == true)
            #expect(first.filter(\.carriesContent).count == 1)
            #expect(first + d.readWaiting() == all)
            #expect(d.readWaiting().isEmpty)
            #expect(try d.finish().get() == whole.finish().get())
            // The waiting events go first when more bytes come.
            let bytes = Array(stream.utf8)
            let half = bytes.count / 2
            var e = StreamDecoder(dialect: dialect)
            let a = e.feed(bytes[..<half], stoppingAtContent: true)
            let b = e.feed(bytes[half...])
            #expect(a + b == all)
            // Nothing waits when `finish` is called without reading: the result still has every piece.
            var f = StreamDecoder(dialect: dialect)
            _ = f.feed(bytes, stoppingAtContent: true)
            #expect(try f.finish().get().text == whole.finish().get().text)
        }
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
