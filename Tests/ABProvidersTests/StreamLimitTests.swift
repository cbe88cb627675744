import ABCore
import ABProviders
import Foundation
import Testing

/// Bounds on what a provider can make abtop hold, and hostile hints (issue 11, items 8, 14, 15).
@Suite struct StreamLimitTests {
    @Test func aLineWithNoEndStopsAtItsLimit() {
        var parser = SSEParser(maxLineBytes: 1024, maxEventBytes: 4096)
        let events = parser.feed(Array(repeating: UInt8(ascii: "a"), count: 100_000))
        #expect(events.isEmpty)
        #expect(parser.overflow == .line(limit: 1024))
        #expect(parser.feed(Array("\n\ndata: x\n\n".utf8)).isEmpty, "nothing is parsed after an overflow")
    }

    @Test func anEventOfManyLinesStopsAtItsLimit() {
        var parser = SSEParser(maxLineBytes: 1024, maxEventBytes: 4096)
        let line = "data: " + String(repeating: "b", count: 900) + "\n"
        _ = parser.feed(Array(String(repeating: line, count: 10).utf8))
        #expect(parser.overflow == .event(limit: 4096))
    }

    @Test func theAnswerIsCutAtItsLimitAndTheStreamFails() {
        var decoder = StreamDecoder(dialect: .openAI, limits: .init(answerBytes: 1_000))
        let chunk = #"data: {"choices": [{"delta": {"content": "\#(String(repeating: "x", count: 300))"}}]}"# + "\n\n"
        var steps: [StreamDecoder.Step] = []
        for _ in 0..<10 { steps += decoder.feed(Array(chunk.utf8)) }
        #expect(steps.filter { if case .failure(let e) = $0 { e.kind == .tooLarge } else { false } }.count == 1)
        guard case .failure(let error) = decoder.finish() else {
            Issue.record("a cut stream must fail")
            return
        }
        #expect(error.kind == .tooLarge)
        #expect(decoder.result.text.utf8.count == 1_000)
    }

    @Test func retryAfterHintsAreClampedOrIgnored() {
        #expect(WireFormat.retryAfter(["retry-after": "1e300"]) == WireFormat.maxRetryAfter)
        #expect(WireFormat.retryAfter(["retry-after": "inf"]) == WireFormat.maxRetryAfter)
        #expect(WireFormat.retryAfter(["retry-after": "nan"]) == nil)
        #expect(WireFormat.retryAfter(["retry-after": "-5"]) == nil)
        #expect(WireFormat.retryAfter(["retry-after-ms": "1500"]) == 1.5)
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(WireFormat.retryAfter(["retry-after": "Sun, 06 Nov 1994 08:50:07 GMT"], now: now) == 30)
    }

    @Test func implausibleUsageIsNotBelieved() {
        let request = ChatRequest(messages: [ChatMessage(role: .user, content: "hello there")], maxTokens: 10)
        let usage = WireFormat.usage(
            of: ChatResult(text: "abcd", inputTokens: 9_000_000_000_000_000, outputTokens: -4),
            for: request)
        #expect(usage.estimated && usage.input < 100 && usage.output == 1)
    }

    @Test func errorMessagesAreBounded() {
        let body = #"{"error": {"message": "\#(String(repeating: "m", count: 100_000))"}}"#
        let error = WireFormat.error(status: 400, body: Array(body.utf8), headers: [:])
        #expect(error.message.count == WireFormat.maxMessageCharacters)
    }
}
