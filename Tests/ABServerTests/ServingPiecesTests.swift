import ABCore
import ABProviders
import Testing

@testable import ABServer

@Suite struct RateLimiterTests {
    func limit(calls: Int? = nil, tokens: Int? = nil, key: AIGatewayConfig.RateLimit.Key = .endpoint)
        -> AIGatewayConfig.RateLimit
    {
        AIGatewayConfig.RateLimit(calls: calls, tokens: tokens, key: key, principal: nil, renewalPeriodSeconds: 60)
    }

    @Test func aBurstThenOneCallPerRefill() {
        var limiter = RateLimiter(limits: [limit(calls: 60)])
        for _ in 0..<60 { #expect(limiter.admit(caller: "a", now: 0) == nil) }
        let wait = limiter.admit(caller: "a", now: 0)
        #expect(wait != nil && abs(wait! - 1) < 1e-9)  // 60 a minute: one a second
        #expect(limiter.admit(caller: "a", now: 0.5) != nil)
        #expect(limiter.admit(caller: "a", now: 1.0) == nil)
        #expect(limiter.admit(caller: "a", now: 1.0) != nil)
    }

    @Test func perUserLimitsKeepCallersApart() {
        var limiter = RateLimiter(limits: [limit(calls: 1, key: .user)])
        #expect(limiter.admit(caller: "a", now: 0) == nil)
        #expect(limiter.admit(caller: "a", now: 0) != nil)
        #expect(limiter.admit(caller: "b", now: 0) == nil)
    }

    @Test func tokenLimitsChargeAfterTheAnswer() {
        var limiter = RateLimiter(limits: [limit(tokens: 600)])
        #expect(limiter.admit(caller: "a", now: 0) == nil)
        limiter.charge(tokens: 700, caller: "a", now: 0)  // 100 over: 10 tokens a second refill
        let wait = limiter.admit(caller: "a", now: 0)
        #expect(wait != nil && abs(wait! - 10.1) < 1e-6)
        #expect(limiter.admit(caller: "a", now: 10.2) == nil)
    }
}

@Suite struct PrometheusTextTests {
    @Test func histogramsAreCumulativeAndLabelsEscaped() {
        let metrics = EndpointMetrics(entityNames: ["a\"b", "c"])
        for ms in [3.0, 30.0, 300.0, 300_000.0] {
            let o = RequestOutcome(
                entity: 0, epoch: 0, timing: RequestTiming(start: 0, end: UInt64(ms * 1e6)),
                streamed: false, status: 200, error: nil, usage: TokenUsage(input: 1, output: 2))
            metrics.record(RequestRecord(outcome: o, promptID: "p", prompt: ""))
        }
        let failed = RequestOutcome(
            entity: 1, epoch: 0, timing: RequestTiming(start: 0, end: 1_000_000),
            streamed: false, status: 429, error: .rateLimited, usage: TokenUsage())
        metrics.record(RequestRecord(outcome: failed, promptID: "p", prompt: ""))
        let verdict = Verdict(
            metric: .latencyE2EP50, a: "a\"b", b: "c", state: .decided, pValue: 0.004, nA: 3, nB: 0, primary: true,
            text: "c is slower")
        let text = PrometheusText.render([
            .init(
                name: "ep", entityNames: metrics.entityNames, weights: [70, 30],
                counts: metrics.counts, verdicts: [verdict],
                srm: [SRMResult(epoch: 0, weights: [70, 30], observed: [3, 1])])
        ])
        let comparison = #"endpoint="ep",metric="latency_e2e_p50",a="a\"b",b="c""#
        #expect(text.contains("abtop_verdict{\(comparison),state=\"decided\"} 1\n"))
        #expect(text.contains("abtop_verdict{\(comparison),state=\"not_yet\"} 0\n"))
        #expect(text.contains("abtop_verdict_p_value{\(comparison)} 0.004\n"))
        #expect(text.contains(#"abtop_srm_p_value{endpoint="ep",epoch="0"} "#))
        let entity = #"endpoint="ep",entity="a\"b""#
        #expect(text.contains("abtop_request_duration_seconds_bucket{\(entity),le=\"0.005\"} 1\n"))
        #expect(text.contains("abtop_request_duration_seconds_bucket{\(entity),le=\"0.05\"} 2\n"))
        #expect(text.contains("abtop_request_duration_seconds_bucket{\(entity),le=\"0.5\"} 3\n"))
        #expect(text.contains("abtop_request_duration_seconds_bucket{\(entity),le=\"120\"} 3\n"))
        #expect(text.contains("abtop_request_duration_seconds_bucket{\(entity),le=\"+Inf\"} 4\n"))
        #expect(text.contains("abtop_request_duration_seconds_count{\(entity)} 4\n"))
        #expect(text.contains(#"abtop_requests_total{endpoint="ep",entity="c",outcome="rate_limited"} 1"#))
        #expect(text.contains(#"abtop_request_errors_total{endpoint="ep",entity="c",kind="rate_limited"} 1"#))
        #expect(text.contains(#"abtop_traffic_weight_percent{endpoint="ep",entity="c"} 30"#))
        #expect(text.contains("# TYPE abtop_requests_total counter\n"))
        // Every sample line is NAME{labels} VALUE or NAME VALUE.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(Double(line.split(separator: " ").last!) != nil, "\(line)")
        }
    }
}

@Suite struct InvocationParserTests {
    func parse(_ s: String) -> Result<InvocationParser.Parsed, ServingError> {
        InvocationParser.parse(Array(s.utf8), id: "id", sessionKey: "k")
    }

    @Test func readsMessagesAndOverrides() throws {
        let p = try parse(
            #"{"model": "ep", "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": [{"type": "text", "text": "hi"}]}], "max_tokens": 12, "temperature": 0.5, "stream": true, "stop": "END"}"#
        ).get()
        #expect(p.model == "ep")
        #expect(p.invocation.messages == [.system("be brief"), .user("hi")])
        #expect(
            p.invocation.parameters.maxTokens == 12 && p.invocation.parameters.temperature == 0.5 && p.invocation.stream
        )
        #expect(p.invocation.parameters.stop == ["END"] && p.invocation.sessionKey == "k")
    }

    @Test func samplingParametersArePassedOrRefusedNeverDropped() throws {
        let p = try parse(
            #"{"messages": [{"role": "user", "content": "x"}], "top_p": 0.5, "seed": 3, "presence_penalty": 0.1, "extra_params": {"user": "u"}}"#
        ).get()
        #expect(p.invocation.parameters.topP == 0.5)
        #expect(
            p.invocation.parameters.extraParameters == JSONObject(["user": "u", "seed": 3, "presence_penalty": 0.1]))
    }

    @Test(arguments: [
        (#"{"messages": [{"role": "user", "content": "x"}], "functions": []}"#, "\"functions\" is not supported"),
        (#"{"messages": [{"role": "user", "content": "x"}], "logprobs": true}"#, "\"logprobs\" is not supported"),
        (
            #"{"messages": [{"role": "user", "content": "x"}], "response_format": {"type": "yaml"}}"#,
            "response_format.type"
        ),
        (
            #"{"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {"name": "a b"}}]}"#,
            "tools[0].function.name"
        ),
        (
            #"{"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": {"type": "function", "function": {"name": "g"}}}"#,
            "not among the tools"
        ),
        (#"{"messages": [{"role": "tool", "content": "x"}]}"#, "messages[0].tool_call_id"),
        (
            #"{"messages": [{"role": "user", "content": "x"}], "temprature": 1}"#,
            "unknown parameter \"temprature\" (did you mean \"temperature\"?)"
        ),
        (#"{"messages": [{"role": "user", "content": "x"}], "top_p": 0}"#, "top_p"),
        (#"not json"#, "JSON object"),
        (#"{"prompt": "hi"}"#, "llm/v1/chat"),
        (#"{"messages": []}"#, "messages"),
        (#"{"messages": [{"role": "robot", "content": "x"}]}"#, "messages[0].role"),
        (#"{"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}"#, "max_tokens"),
        (#"{"messages": [{"role": "user", "content": "x"}], "temperature": 3}"#, "temperature"),
        (#"{"messages": [{"role": "user", "content": "x"}], "n": 2}"#, "n = 2"),
    ])
    func refusesWithTheField(body: String, mentions: String) {
        guard case .failure(let e) = parse(body) else {
            Issue.record("accepted \(body)")
            return
        }
        #expect(e.status == 400 && e.code == "BAD_REQUEST")
        #expect(e.message.contains(mentions), "\(e.message)")
    }
}

@Suite struct ServingErrorTests {
    @Test func upstreamFailuresKeepTheirMeaning() {
        func status(_ kind: ErrorKind) -> Int {
            ServingError.upstream(ProviderError(kind: kind, message: "m"), entity: "a").status
        }
        #expect(status(.rateLimited) == 429)
        #expect(status(.overloaded) == 503)
        #expect(status(.timeout) == 504)
        #expect(status(.http4xx) == 400)
        #expect(status(.http5xx) == 502)
        #expect(status(.streamBroken) == 502)
        let limited = ServingError.upstream(
            ProviderError(kind: .rateLimited, message: "slow down", retryAfter: 7), entity: "a")
        #expect(limited.retryAfter == 7 && limited.code == "REQUEST_LIMIT_EXCEEDED")
        #expect(
            limited.json
                == #"{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"served entity 'a' failed (rate_limited): slow down"}"#
        )
    }
}

/// The Anthropic door's stream writer: one content block per call, however its pieces are labelled, text and calls
/// in order with increasing indices.
@Suite struct MessagesStreamTests {
    @Test func aCallWhoseEveryPieceRepeatsItsIdIsOneBlock() throws {
        var w = MessagesWire.Stream(header: .init(id: "msg_1", model: "m"))
        var out = w.start() + w.content("Let me check.")
        out += w.toolCall(ToolCallDelta(index: 0, id: "c1", name: "get_weather", arguments: "{\"city\":"))
        out += w.toolCall(ToolCallDelta(index: 0, id: "c1", arguments: "\"Oslo\"}"))
        out += w.toolCall(ToolCallDelta(index: 1, id: "c2", name: "get_time", arguments: "{}"))
        out += w.end(InvocationResult(entity: 0, finishReason: "stop", inputTokens: 3, outputTokens: 4))
        let events = out.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map {
            try? JSONParser.parse(String($0.split(separator: "\n")[1].dropFirst("data: ".count)))
        }
        let starts = events.filter { $0?[key: "type"] == "content_block_start" }
        #expect(starts.map { $0?[key: "index"]?.intValue } == [0, 1, 2])
        #expect(
            starts.map { $0?[key: "content_block"]?[key: "type"]?.stringValue } == ["text", "tool_use", "tool_use"])
        let stops = events.filter { $0?[key: "type"] == "content_block_stop" }
        #expect(stops.count == 3)
        #expect(events.last??[key: "type"] == "message_stop")
        #expect(events.contains { $0?[key: "delta"]?[key: "stop_reason"] == "tool_use" })
    }
}

/// Issue 25: the providers' finish reasons, read by the provider layer (`StopReason`), come out in each door's
/// words exactly as they did when the door read them itself.
@Suite struct FinishReasonTests {
    @Test func everyUpstreamWordMapsAsBefore() {
        let openAI: [String?: String] = [
            "length": "length", "MAX_TOKENS": "length", "max_output_tokens": "length",
            "content_filter": "content_filter",
            "SAFETY": "content_filter", "content_filtered": "content_filter", "RECITATION": "content_filter",
            "guardrail_intervened": "content_filter", "refusal": "stop", "stop_sequence": "stop", "end_turn": "stop",
            "stop": "stop", nil: "stop",
        ]
        let anthropic: [String?: String] = [
            "length": "max_tokens", "MAX_TOKENS": "max_tokens", "max_output_tokens": "max_tokens",
            "stop_sequence": "stop_sequence", "refusal": "refusal", "content_filter": "refusal", "SAFETY": "refusal",
            "content_filtered": "refusal", "guardrail_intervened": "refusal", "RECITATION": "end_turn",
            "end_turn": "end_turn", nil: "end_turn",
        ]
        for (raw, word) in openAI { #expect(FinishReason.openAI(raw, calledTools: false) == word, "\(raw ?? "nil")") }
        for (raw, word) in anthropic {
            #expect(FinishReason.anthropic(raw, calledTools: false) == word, "\(raw ?? "nil")")
        }
        #expect(FinishReason.openAI("length", calledTools: true) == "tool_calls")
        #expect(FinishReason.anthropic("length", calledTools: true) == "tool_use")
    }
}
