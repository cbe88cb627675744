import ABProviders
import Testing

/// Recorded-style streams: an OpenAI one (data only, [DONE]) and an Anthropic one (event: lines), with the
/// awkward parts real servers send: comments, CRLF, multi-line data.
let openAIStream = """
    : keep-alive comment\r
    data: {"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\r
    \r
    data: {"id":"c1","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}\r
    \r
    data: {"id":"c1","choices":[{"index":0,"delta":{"content":"lo ✓"},"finish_reason":null}]}\r
    \r
    data: {"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\r
    \r
    data: {"id":"c1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}\r
    \r
    data: [DONE]\r
    \r

    """

let anthropicStream = """
    event: message_start
    data: {"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":12,"output_tokens":1}}}

    event: content_block_start
    data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

    event: ping
    data: {"type": "ping"}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Bon"}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"jour"}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":0}

    event: message_delta
    data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}

    event: message_stop
    data: {"type":"message_stop"}


    """

@Suite struct SSEParserTests {
    func events(_ text: String, splits: [Int]) -> [SSEEvent] {
        var parser = SSEParser()
        let bytes = Array(text.utf8)
        var out: [SSEEvent] = []
        var start = 0
        for cut in splits.sorted() + [bytes.count] where cut >= start {
            out += parser.feed(bytes[start..<cut])
            start = cut
        }
        return out
    }

    @Test func sameEventsHoweverTheBytesAreSplit() {
        var rng = SplitMixForTests(seed: 42)
        for stream in [openAIStream, anthropicStream] {
            let whole = events(stream, splits: [])
            #expect(whole.count >= 6)
            let n = stream.utf8.count
            for _ in 0..<300 {
                let splits = (0..<rng.below(12)).map { _ in rng.below(n + 1) }
                #expect(events(stream, splits: splits) == whole)
            }
            // Byte by byte, the worst split of all (a CRLF and a multi-byte character cut in half).
            #expect(events(stream, splits: Array(0...n)) == whole)
        }
    }

    @Test func fieldsLinesAndComments() {
        let e = events("event: a\ndata: one\ndata:two\n: comment\nid: 7\nretry: 10\n\ndata\n\n", splits: [])
        #expect(e == [SSEEvent(event: "a", data: "one\ntwo"), SSEEvent(event: nil, data: "")])
        let cr = events("data: x\rdata: y\r\r", splits: [])
        #expect(cr == [SSEEvent(data: "x\ny")])
    }

    @Test func anUnfinishedEventIsPendingNotDelivered() {
        var parser = SSEParser()
        #expect(parser.feed(Array("data: {\"half\":".utf8)).isEmpty)
        #expect(parser.hasPartialEvent)
    }
}

/// A seeded generator for the split positions (tests need no dependency on ABCore for this).
struct SplitMixForTests {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n == 0 ? 0 : Int(next() % UInt64(n)) }
}
