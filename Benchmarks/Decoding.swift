import ABCore
import ABProviders

/// Reading a provider's answer: a whole OpenAI chat completion as the mock sends it, and one streamed chunk, built
/// in full (every member) and selectively (only the members an answer is read for).
func answerDecoding() {
    let answer = Array(
        #"{"id":"chatcmpl-Bx0Yk2mQ8dLr5VnT1pZ3sWc7hJ9fA","object":"chat.completion","created":1795560480,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Short answer: reuse keeps the TCP and TLS handshakes off the request path, so each call is cheaper and faster.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":14,"completion_tokens":16,"total_tokens":30,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_abtop_mock"}"#
            .utf8)
    let chunk = Array(
        #"{"id":"chatcmpl-Bx0Yk2mQ8dLr5VnT1pZ3sWc7hJ9fA","object":"chat.completion.chunk","created":1795560480,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_abtop_mock","choices":[{"index":0,"delta":{"content":" handshakes"},"logprobs":null,"finish_reason":null}],"usage":null}"#
            .utf8)
    let keys = JSONKeySet([
        "choices", "message", "content", "finish_reason", "usage", "prompt_tokens",
        "completion_tokens", "type", "text", "stop_reason", "input_tokens", "output_tokens", "delta",
        "error",
    ])
    for (name, bytes) in [("answer", answer), ("stream chunk", chunk)] {
        measure("\(name), full parse", opsPerBatch: 5_000) { n in
            var sink = 0
            for _ in 0..<n { if case .object(let o) = try! JSONParser.parse(utf8: bytes) { sink &+= o.members.count } }
            return sink
        }
        measure("\(name), selective parse", opsPerBatch: 5_000) { n in
            var sink = 0
            for _ in 0..<n {
                if case .object(let o) = try! JSONParser.parse(utf8: bytes, keeping: keys) { sink &+= o.members.count }
            }
            return sink
        }
    }
}
