import ABCore
import ABProviders
import Foundation
import TestSupport
import Testing

@testable import ABServer

func parsed(_ text: String) -> JSONValue? { try? JSONParser.parse(text) }

/// The serving endpoint over real HTTP on loopback, with a scripted runtime behind it.
@Suite struct ServingHTTPTests {
    func withServer(
        token: String? = nil, gap: Duration = .milliseconds(5), gate: (@Sendable () async -> Void)? = nil,
        script: @escaping @Sendable (Invocation) -> [InvocationEvent] = FakeFactory.echo,
        _ body: (Int, FakeFactory) async throws -> Void
    ) async throws {
        let factory = FakeFactory(gap: gap, gate: gate, script: script)
        let registry = ServingRegistry(factory: factory)
        _ = try registry.create(ServingFixtures.json(ServingFixtures.payload()))
        let server = try await ServingServer.start(.init(port: 0, token: token), registry: registry)
        do {
            try await body(server.port, factory)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// Issue 24, item 12: an error comes back in the shape of the API called, so each SDK can read it.
    @Test func errorsComeInTheShapeOfTheAPICalled() async throws {
        try await withServer(token: "t0ken-for-shapes") { port, _ in
            let auth = ["Authorization": "Bearer t0ken-for-shapes"]
            let openAI = await RawHTTP.post(
                port: port, path: "/v1/chat/completions", headers: auth,
                body: #"{"model": "nope", "messages": [{"role": "user", "content": "hi"}]}"#)
            let o = try JSONParser.parse(openAI.text)
            #expect(
                openAI.status == 404 && o[key: "error"]?[key: "type"]?.stringValue == "not_found_error",
                "\(openAI.text)")
            #expect(o[key: "error"]?[key: "message"]?.stringValue?.isEmpty == false && o[key: "error_code"] == nil)
            let anthropic = await RawHTTP.post(
                port: port, path: "/v1/messages", headers: auth,
                body: #"{"model": "nope", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}"#)
            let a = try JSONParser.parse(anthropic.text)
            #expect(
                a[key: "type"]?.stringValue == "error"
                    && a[key: "error"]?[key: "type"]?.stringValue == "not_found_error")
            let databricks = await RawHTTP.post(
                port: port, path: "/serving-endpoints/nope/invocations", headers: auth,
                body: #"{"messages": [{"role": "user", "content": "hi"}]}"#)
            #expect(try JSONParser.parse(databricks.text)[key: "error_code"]?.stringValue == "RESOURCE_DOES_NOT_EXIST")
            // Refusals before routing take the door's shape too: no token, on the OpenAI door.
            let unauthenticated = await RawHTTP.post(
                port: port, path: "/v1/chat/completions", headers: [:], body: #"{"model": "mix", "messages": []}"#)
            #expect(unauthenticated.status == 401)
            #expect(
                try JSONParser.parse(unauthenticated.text)[key: "error"]?[key: "type"]?.stringValue
                    == "authentication_error")
            // A plain curl -d is told what to send.
            let plain = await RawHTTP.post(
                port: port, path: "/v1/chat/completions",
                headers: auth.merging(["Content-Type": "application/x-www-form-urlencoded"]) { $1 }, body: "x=1")
            #expect(plain.status == 415 && plain.text.contains("-H 'Content-Type: application/json'"), "\(plain.text)")
        }
    }

    @Test func restPathsWithAndWithoutTrailingSlash() async throws {
        try await withServer { port, _ in
            for path in ["/api/2.0/serving-endpoints", "/api/2.0/serving-endpoints/"] {
                let r = await RawHTTP.send("GET", port: port, path: path)
                #expect(r.status == 200)
                #expect(parsed(r.text)?[key: "endpoints"]?[index: 0]?[key: "name"]?.stringValue == "mix")
            }
            let one = await RawHTTP.send("GET", port: port, path: "/api/2.0/serving-endpoints/mix/")
            #expect(one.status == 200)
            let wellKnown = await RawHTTP.send("GET", port: port, path: "/.well-known/databricks-config")
            #expect(wellKnown.status == 200 && wellKnown.text == "{}")
            let missing = await RawHTTP.send("GET", port: port, path: "/api/2.0/serving-endpoints/nope")
            #expect(missing.status == 404)
            #expect(parsed(missing.text)?[key: "error_code"]?.stringValue == "RESOURCE_DOES_NOT_EXIST")
            let unknown = await RawHTTP.send("GET", port: port, path: "/api/2.0/clusters/list")
            #expect(unknown.status == 404)
            #expect(parsed(unknown.text)?[key: "error_code"]?.stringValue == "ENDPOINT_NOT_FOUND")
            let put = await RawHTTP.send(
                "PUT", port: port, path: "/api/2.0/serving-endpoints/mix/config/",
                body:
                    #"{"traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 90}, {"served_model_name": "b", "traffic_percentage": 10}]}}"#
            )
            #expect(put.status == 200)
            #expect(put.text.contains(#""traffic_percentage":90"#))
            let bad = await RawHTTP.send("POST", port: port, path: "/api/2.0/serving-endpoints", body: "{not json")
            #expect(bad.status == 400)
        }
    }

    @Test func tokenIsRequiredWhenSet() async throws {
        try await withServer(token: "t0ken") { port, _ in
            let denied = await RawHTTP.send("GET", port: port, path: "/api/2.0/serving-endpoints")
            #expect(denied.status == 401)
            #expect(parsed(denied.text)?[key: "error_code"]?.stringValue == "UNAUTHENTICATED")
            #expect(!denied.text.contains("t0ken"))
            let allowed = await RawHTTP.send(
                "GET", port: port, path: "/api/2.0/serving-endpoints",
                headers: ["Authorization": "Bearer t0ken"])
            #expect(allowed.status == 200)
            #expect(await RawHTTP.send("GET", port: port, path: "/health").status == 200)
        }
    }

    @Test func invocationAnswersAChatCompletionNamingTheEntity() async throws {
        try await withServer { port, factory in
            let r = await RawHTTP.post(
                port: port, path: "/serving-endpoints/mix/invocations",
                headers: ["x-abtop-session": "user-7"],
                body: #"{"messages": [{"role": "user", "content": "hello"}], "max_tokens": 9}"#)
            #expect(r.status == 200)
            #expect(r.headers["served-model-name"] == "a")
            let body = try JSONParser.parse(r.text)
            #expect(body[key: "choices"]?[index: 0]?[key: "message"]?[key: "content"]?.stringValue == "echo: hello")
            #expect(body[key: "model"]?.stringValue == "gpt-4")
            #expect(body[key: "usage"]?[key: "total_tokens"]?.intValue == 7)
            #expect(body[key: "id"]?.stringValue == r.headers["x-request-id"])
            let sent = try #require(factory.last?.invocations.withLock { $0.first })
            #expect(sent.parameters.maxTokens == 9 && sent.sessionKey == "user-7" && !sent.stream)
        }
    }

    @Test func streamsAreDataLinesOnlyEndingInDone() async throws {
        try await withServer { port, _ in
            let r = await RawHTTP.post(
                port: port, path: "/v1/chat/completions",
                headers: [:],
                body: #"{"model": "mix", "messages": [{"role": "user", "content": "hello"}], "stream": true}"#)
            #expect(r.status == 200)
            #expect(r.headers["served-model-name"] == "a")
            #expect(r.headers["content-type"]?.hasPrefix("text/event-stream") == true)
            let lines = r.text.split(separator: "\n", omittingEmptySubsequences: true)
            #expect(lines.allSatisfy { $0.hasPrefix("data: ") }, "\(lines)")
            #expect(lines.last == "data: [DONE]")
            var text = ""
            for line in lines.dropLast() {
                let chunk = parsed(String(line.dropFirst(6)))
                text += chunk?[key: "choices"]?[index: 0]?[key: "delta"]?[key: "content"]?.stringValue ?? ""
            }
            #expect(text == "echo: hello")
        }
    }

    /// Content is passed on as it arrives: the runtime holds the rest of the stream back until the client has
    /// read the first piece (30 s at most), so a server that waited for more before writing could not pass, however
    /// fast or slow the machine.
    @Test func streamedContentIsNotHeldBack() async throws {
        let script: @Sendable (Invocation) -> [InvocationEvent] = { _ in
            [
                .content(entity: 0, text: "one "), .content(entity: 0, text: "two "),
                .content(entity: 0, text: "three"),
                .finished(InvocationResult(entity: 0, text: "one two three", finishReason: "stop")),
            ]
        }
        let clientSawFirst = Flag()
        let heldUntilSeen = Flag()
        let gate: @Sendable () async -> Void = {
            for _ in 0..<3_000 where !clientSawFirst.isSet {
                try? await Task.sleep(for: .milliseconds(10))
            }
            heldUntilSeen.set(clientSawFirst.isSet)
        }
        try await withServer(gap: .milliseconds(1), gate: gate, script: script) { port, _ in
            let r = await RawHTTP.post(
                port: port, path: "/serving-endpoints/mix/invocations", headers: [:],
                body: #"{"messages": [{"role": "user", "content": "x"}], "stream": true}"#
            ) { body in
                if body.range(of: Data("one ".utf8)) != nil { clientSawFirst.set() }
            }
            #expect(r.status == 200 && r.text.contains("three") && r.text.hasSuffix("data: [DONE]\n\n"))
            #expect(
                heldUntilSeen.isSet, "the first piece reached the client before the rest existed")
        }
    }

    @Test func failuresKeepTheirStatusAndRetryAfter() async throws {
        let script: @Sendable (Invocation) -> [InvocationEvent] = { invocation in
            if invocation.stream {
                return [
                    .content(entity: 1, text: "partial"),
                    .finished(
                        InvocationResult(entity: 1, failure: ProviderError(kind: .streamBroken, message: "cut off"))),
                ]
            }
            return [
                .finished(
                    InvocationResult(
                        entity: 1, failure: ProviderError(kind: .rateLimited, message: "slow", retryAfter: 2)))
            ]
        }
        try await withServer(script: script) { port, _ in
            let limited = await RawHTTP.post(
                port: port, path: "/serving-endpoints/mix/invocations", headers: [:],
                body: #"{"messages": [{"role": "user", "content": "x"}]}"#)
            #expect(limited.status == 429)
            #expect(limited.headers["retry-after"] == "2")
            #expect(limited.headers["served-model-name"] == "b")
            #expect(parsed(limited.text)?[key: "error_code"]?.stringValue == "REQUEST_LIMIT_EXCEEDED")

            let broken = await RawHTTP.post(
                port: port, path: "/serving-endpoints/mix/invocations", headers: [:],
                body: #"{"messages": [{"role": "user", "content": "x"}], "stream": true}"#)
            #expect(broken.status == 200)
            #expect(broken.text.contains("partial"))
            #expect(broken.text.contains(#""error":{"#))
            #expect(!broken.text.contains("[DONE]"))

            let unknown = await RawHTTP.post(
                port: port, path: "/v1/chat/completions", headers: [:],
                body: #"{"model": "other", "messages": [{"role": "user", "content": "x"}]}"#)
            #expect(unknown.status == 404)
        }
    }

    @Test func metricsAndModels() async throws {
        try await withServer { port, _ in
            let models = await RawHTTP.send("GET", port: port, path: "/v1/models")
            #expect(parsed(models.text)?[key: "data"]?[index: 0]?[key: "id"]?.stringValue == "mix")
            let metrics = await RawHTTP.send("GET", port: port, path: "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(metrics.text.contains(#"abtop_traffic_weight_percent{endpoint="mix",entity="a"} 50"#))
        }
    }
}
