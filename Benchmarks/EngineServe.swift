import ABCore
import ABEngine
import ABProviders
import Foundation

/// Answers every request at once with a canned chat completion (the mock's own answer), on the caller's thread:
/// what the engine costs per served request with the network taken out.
final class CannedTransport: Transport {
    static let answer = Array(
        #"{"id":"chatcmpl-hNi65IVLL6fgSEGR11a4iZbIiEYYq","object":"chat.completion","created":1796104051,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Keep http simple and measure it. Short answer: summarise and benefits depends on benefits. Keep clients","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":15,"completion_tokens":16,"total_tokens":31,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_abtop_mock"}"#
            .utf8)

    var executors: [any TaskExecutor] { [] }
    func shutdown() {}

    func perform(_ spec: HTTPRequestSpec, timeouts: TransportTimeouts, sink: any TransferSink, start: UInt64?) async
        -> TransferResult
    {
        let begin = start ?? Monotonic.now()
        sink.receivedHead(status: 200, headers: ["content-type": "application/json"])
        _ = Self.answer.withUnsafeBytes { sink.receivedBody($0) }
        return TransferResult(
            status: 200, headers: [:], failure: nil, start: begin, firstByte: begin, end: Monotonic.now(),
            bytesReceived: Self.answer.count)
    }
}

/// `engine-serve [N]`: N served requests (the benchmark's chat prompt, JSON answers) through the engine — route,
/// build and encode the provider request, decode, redact and record the answer — over `CannedTransport`, one at a
/// time in one task; prints the cost per request.
func engineServe(_ args: [String]) async {
    let n = args.first.flatMap { Int($0) } ?? 20_000
    let json = """
        {"name": "bench", "config": {"served_entities": [
          {"name": "a", "external_model": {"name": "gpt-4o-mini", "provider": "openai", "task": "llm/v1/chat",
           "openai_config": {"openai_api_key_plaintext": "sk-bench"}}}],
         "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 100}]}},
         "abtop": {"entities": {"a": {"base_url": "http://127.0.0.1:9/v1"}}}}
        """
    guard let config = EndpointConfigReader.read(text: json, defaultName: "bench").config else {
        print("engine-serve: the config did not read")
        return
    }
    let engine = Engine(
        session: Session(endpoint: config, mode: .split),
        resolved: config.resolve(with: SecretResolver(environment: [:])), transport: CannedTransport(), seed: 1)
    let messages = [ChatMessage.user("Summarise the benefits of connection reuse in HTTP clients.")]
    let clock = ContinuousClock()
    var perRequest: [Double] = []
    for batch in 0..<11 {
        let started = clock.now
        for i in 0..<(n / 10) {
            let prompt = PromptItem(id: "p\(batch)-\(i)", messages: messages, session: nil)
            _ = await engine.serve(prompt, overrides: RequestOverrides(maxTokens: 16, stream: false), relay: nil)
        }
        let elapsed = clock.now - started
        // The first batch warms up.
        if batch > 0 {
            let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            perRequest.append(ns / Double(n / 10))
        }
    }
    perRequest.sort()
    print(
        "engine serve (canned JSON answer, one entity): median \(fmt(perRequest[5])) ns/request "
            + "(min \(fmt(perRequest[0])), max \(fmt(perRequest[9]))), 10 batches × \(n / 10)")
}
