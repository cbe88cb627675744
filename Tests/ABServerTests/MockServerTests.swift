import ABCore
import Foundation
import TestSupport
import Testing

@testable import ABServer

private let chatBody = #"{"model":"m","max_tokens":64,"messages":[{"role":"user","content":"How do tides work?"}]}"#

func openAIBody(stream: Bool, model: String = "m", prompt: String = "How do tides work?") -> String {
    #"{"model":"\#(model)","stream":\#(stream),"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"\#(prompt)"}]}"#
}

let openAIHeaders = ["Authorization": "Bearer sk-test"]
let anthropicHeaders = ["x-api-key": "sk-ant", "anthropic-version": "2023-06-01"]

func withServer(
    _ profile: MockProfile, seed: UInt64 = 1,
    _ body: (MockServer.Running) async throws -> Void
) async throws {
    let server = try await MockServer.start(.init(profiles: MockProfileSet(fallback: profile), seed: seed))
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

@Suite(.serialized) struct MockServerTests {
    @Test func usageCountsMatchTheTextSent() async throws {
        let profile = MockProfile(name: "u", ttftMilliseconds: .fixed(0), tokensPerSecond: 0, outputTokens: .fixed(33))
        try await withServer(profile) { server in
            let r = await RawHTTP.post(
                port: server.port, path: "/v1/chat/completions", headers: openAIHeaders,
                body: openAIBody(stream: true))
            let deltas = r.text.components(separatedBy: #""delta":{"content":"#).count - 1
            #expect(deltas == 33)
            #expect(r.text.contains(#""completion_tokens":33"#))
            #expect(r.text.hasSuffix("data: [DONE]\n\n") && r.chunkedComplete)
            let json = await RawHTTP.post(
                port: server.port, path: "/v1/chat/completions", headers: openAIHeaders,
                body: openAIBody(stream: false))
            let object = try #require(try JSONSerialization.jsonObject(with: json.body) as? [String: Any])
            let usage = try #require(object["usage"] as? [String: Any])
            #expect(usage["completion_tokens"] as? Int == 33)
            #expect(usage["prompt_tokens"] as? Int == TokenUsage.estimate(characters: "How do tides work?".count))
        }
    }

    @Test func cutOffStreamsLackTheirFinalEventButEndCleanly() async throws {
        var profile = MockProfile.fast
        profile.outputTokens = .fixed(30)
        profile.faultRates = [.cutoff: 1]
        try await withServer(profile) { server in
            let o = await RawHTTP.post(
                port: server.port, path: "/v1/chat/completions", headers: openAIHeaders,
                body: openAIBody(stream: true))
            #expect(o.status == 200 && o.chunkedComplete && !o.reset)
            #expect(!o.text.contains("[DONE]") && !o.text.contains("finish_reason\":\"stop"))
            let a = await RawHTTP.post(
                port: server.port, path: "/v1/messages", headers: anthropicHeaders,
                body: #"{"model":"m","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"x"}]}"#)
            #expect(a.chunkedComplete && !a.text.contains("message_stop"))
        }
    }

    @Test func droppedConnectionsReallyDrop() async throws {
        var profile = MockProfile.fast
        profile.outputTokens = .fixed(30)
        profile.faultRates = [.disconnect: 1]
        try await withServer(profile) { server in
            for stream in [true, false] {
                let r = await RawHTTP.post(
                    port: server.port, path: "/v1/chat/completions", headers: openAIHeaders,
                    body: openAIBody(stream: stream))
                #expect(r.reset, "stream \(stream): the connection was reset")
                #expect(!r.chunkedComplete && !r.text.contains("[DONE]"))
            }
        }
    }

    @Test func malformedChunksAreNotJSON() async throws {
        var profile = MockProfile.fast
        profile.outputTokens = .fixed(10)
        profile.faultRates = [.malformed: 1]
        try await withServer(profile) { server in
            let r = await RawHTTP.post(
                port: server.port, path: "/v1/chat/completions", headers: openAIHeaders,
                body: openAIBody(stream: true))
            let bad = r.text.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: {") }.filter { event in
                (try? JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8))) == nil
            }
            #expect(bad.count == 1)
        }
    }

    @Test func rateLimitsCarryRetryAfterInBothForms() async throws {
        var profile = MockProfile.fast
        profile.errorRates = [429: 1]
        profile.retryAfterSeconds = 1.5
        try await withServer(profile) { server in
            let r = await RawHTTP.post(
                port: server.port, path: "/v1/chat/completions", headers: openAIHeaders, body: chatBody)
            #expect(r.status == 429)
            #expect(r.headers["retry-after"] == "2" && r.headers["retry-after-ms"] == "1500")
            #expect(r.text.contains(#""code":"rate_limit_exceeded""#))
            let a = await RawHTTP.post(
                port: server.port, path: "/v1/messages", headers: anthropicHeaders, body: chatBody)
            #expect(a.status == 429 && a.text.contains(#""type":"rate_limit_error""#))
        }
    }

    @Test func anthropicRequiresItsHeadersAndMaxTokens() async throws {
        try await withServer(.fast) { server in
            let noKey = await RawHTTP.post(
                port: server.port, path: "/v1/messages", headers: ["anthropic-version": "2023-06-01"], body: chatBody)
            #expect(noKey.status == 401 && noKey.text.contains("authentication_error"))
            let noVersion = await RawHTTP.post(
                port: server.port, path: "/v1/messages", headers: ["x-api-key": "k"], body: chatBody)
            #expect(noVersion.status == 400 && noVersion.text.contains("anthropic-version"))
            let noMax = await RawHTTP.post(
                port: server.port, path: "/v1/messages", headers: anthropicHeaders,
                body: #"{"model":"m","messages":[{"role":"user","content":"x"}]}"#)
            #expect(noMax.status == 400 && noMax.text.contains("max_tokens: Field required"))
            let noBearer = await RawHTTP.post(
                port: server.port, path: "/v1/chat/completions", headers: [:], body: chatBody)
            #expect(noBearer.status == 401 && noBearer.text.contains("invalid_api_key"))
        }
    }

    @Test func aStallDoesNotHoldUpShutdown() async throws {
        var profile = MockProfile.fast
        profile.outputTokens = .fixed(10)
        profile.faultRates = [.stall: 1]
        profile.stallSeconds = 60
        let server = try await MockServer.start(.init(profiles: MockProfileSet(fallback: profile)))
        let streaming = Flag()
        let request = Task {
            await RawHTTP.post(
                port: server.port, path: "/v1/chat/completions", headers: openAIHeaders,
                body: openAIBody(stream: true)
            ) { _ in streaming.set() }
        }
        // Stop once the stream is under way (waited on, not timed), so the request is really in flight.
        for _ in 0..<3_000 where !streaming.isSet { try await Task.sleep(for: .milliseconds(10)) }
        #expect(streaming.isSet)
        let clock = ContinuousClock()
        let stopped = await clock.measure { await server.stop() }
        // Held up by the 60 s stall, stop would take its whole 30 s grace; 20 s leaves a busy machine its slack.
        #expect(stopped < .seconds(20), "stop took \(stopped)")
        let r = await request.value
        #expect(!r.text.contains("[DONE]"))
    }
}
